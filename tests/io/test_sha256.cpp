#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "io/sha256.hpp"

using exvivo::io::sha256_hex;

namespace {

/// Hex SHA-256 of `message` by the portable code (allow_hardware false) or
/// by whichever code this CPU selects (true: the SHA extensions if it has them).
std::string hex(bool allow_hardware, std::string_view message) {
  exvivo::io::Sha256 hash(allow_hardware);
  hash.update(message);
  return hash.hex_digest();
}

/// "portable" or "hardware": the code a default Sha256 runs on this CPU.
const char* selected_code() { return exvivo::io::Sha256().uses_hardware() ? "hardware" : "portable"; }

}  // namespace

// Test vectors of FIPS 180-2, Appendix B (SHA-256), and the empty message:
// on the portable code whatever the CPU, and on the code the CPU selects.
TEST_CASE("SHA-256 matches the FIPS 180-2 test vectors", "[io][sha256]") {
  CHECK_FALSE(exvivo::io::Sha256(false).uses_hardware());
  for (const bool allow_hardware : {false, true}) {
    INFO((allow_hardware ? selected_code() : "portable") << " code");
    CHECK(hex(allow_hardware, "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex(allow_hardware, "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(allow_hardware, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // One million 'a', fed in uneven pieces to exercise block boundaries.
    exvivo::io::Sha256 hash(allow_hardware);
    const std::string piece(997, 'a');
    std::size_t fed = 0;
    while (fed + piece.size() <= 1000000) {
      hash.update(piece);
      fed += piece.size();
    }
    hash.update(std::string(1000000 - fed, 'a'));
    CHECK(hash.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
  // sha256_hex runs the code the CPU selects.
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("SHA-256 padding is right at every length around a block", "[io][sha256]") {
  // 55, 56 and 64 bytes straddle the one-or-two-final-blocks boundary;
  // reference digests of "a" repeated n times from Python's hashlib.
  for (const bool allow_hardware : {false, true}) {
    INFO((allow_hardware ? selected_code() : "portable") << " code");
    CHECK(hex(allow_hardware, std::string(55, 'a')) ==
          "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK(hex(allow_hardware, std::string(56, 'a')) ==
          "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    CHECK(hex(allow_hardware, std::string(64, 'a')) ==
          "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  }
}

TEST_CASE("sha256_file hashes the file's bytes", "[io][sha256]") {
  const auto path = std::filesystem::path(EXVIVO_BINARY_DIR) / "test_scratch" / "sha256_input.txt";
  std::filesystem::create_directories(path.parent_path());
  {
    std::ofstream out(path, std::ios::binary);
    out << "abc";
  }
  CHECK(exvivo::io::sha256_file(path) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_THROWS_AS(exvivo::io::sha256_file(path.parent_path() / "absent.txt"),
                  std::filesystem::filesystem_error);

  exvivo::io::Sha256 finished;
  finished.hex_digest();
  CHECK_THROWS_AS(finished.update("x"), std::logic_error);
}

TEST_CASE("SHA-256 with the CPU's SHA extensions equals the portable code", "[io][sha256]") {
  // On x86-64 machines with the extensions (most since 2017) this compares
  // the two implementations on every length up to 3 blocks, fed whole and in
  // pieces. On a CPU without them both objects run the portable code, so the
  // comparison below is trivially true: said in a warning (the portable code
  // is still checked against the FIPS vectors above).
  if (!exvivo::io::Sha256().uses_hardware())
    WARN(
        "this CPU has no SHA extensions (or the build is not x86-64): the hardware SHA-256 path is not "
        "tested here; the comparison with the portable code is trivial (portable against itself)");
  std::string text;
  std::uint32_t seed = 12345;
  for (int i = 0; i < 200; ++i) {
    seed = seed * 1664525u + 1013904223u;
    text += static_cast<char>(seed >> 24);
  }
  for (std::size_t length = 0; length <= text.size(); ++length) {
    const std::string_view message(text.data(), length);
    exvivo::io::Sha256 portable(false), hardware, pieces;
    portable.update(message);
    hardware.update(message);
    for (std::size_t at = 0; at < length; at += 7) pieces.update(message.substr(at, 7));
    const std::string expected = portable.hex_digest();
    INFO("length " << length);
    CHECK(hardware.hex_digest() == expected);
    CHECK(pieces.hex_digest() == expected);
  }
}
