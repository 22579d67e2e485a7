#pragma once
// SHA-256 (FIPS 180-4) for recording the model and scenario files a run used
// (run.json) and checking chunk files (sweep/chunk_store.hpp). Small
// self-contained implementation: no crypto library is among the engine's
// dependencies; on x86-64 CPUs with the SHA extensions it uses them.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace exvivo::io {

/// Incremental hashing: update() any number of times, then hex_digest() once.
class Sha256 {
 public:
  /// allow_hardware: use the CPU's SHA extensions when it has them (x86-64);
  /// false forces the portable code (tests compare the two).
  explicit Sha256(bool allow_hardware = true);
  void update(std::string_view bytes);
  void update(const void* data, std::size_t size);
  /// 32-byte digest; finishes the hash (further update() calls are an error
  /// and throw std::logic_error).
  std::array<std::uint8_t, 32> digest();
  /// digest() as 64 lowercase hex characters.
  std::string hex_digest();
  /// Whether this object compresses with the CPU's SHA extensions (allowed,
  /// built for x86-64 and the CPU has them) rather than the portable code.
  bool uses_hardware() const { return hardware_; }

 private:
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> block_{};
  std::size_t block_used_ = 0;
  std::uint64_t total_bytes_ = 0;
  bool finished_ = false;
  bool hardware_ = false;
  void compress(const std::uint8_t* block);
  void compress_blocks(const std::uint8_t* blocks, std::size_t count);
};

/// Hex SHA-256 of a byte string.
std::string sha256_hex(std::string_view bytes);

/// Hex SHA-256 of a file's bytes. Throws std::filesystem::filesystem_error
/// naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace exvivo::io
