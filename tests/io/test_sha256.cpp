#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "io/sha256.hpp"

using exvivo::io::sha256_hex;

// Test vectors of FIPS 180-2, Appendix B (SHA-256), and the empty message.
TEST_CASE("SHA-256 matches the FIPS 180-2 test vectors", "[io][sha256]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a', fed in uneven pieces to exercise block boundaries.
  exvivo::io::Sha256 hash;
  const std::string piece(997, 'a');
  std::size_t fed = 0;
  while (fed + piece.size() <= 1000000) {
    hash.update(piece);
    fed += piece.size();
  }
  hash.update(std::string(1000000 - fed, 'a'));
  CHECK(hash.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-256 padding is right at every length around a block", "[io][sha256]") {
  // 55, 56 and 64 bytes straddle the one-or-two-final-blocks boundary;
  // reference digests of "a" repeated n times from Python's hashlib.
  CHECK(sha256_hex(std::string(55, 'a')) ==
        "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(sha256_hex(std::string(56, 'a')) ==
        "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(sha256_hex(std::string(64, 'a')) ==
        "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
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
  // On a CPU without them both objects run the portable code and the check
  // is trivially true; on x86-64 machines with them (most since 2017) this
  // compares the two implementations on every length up to 3 blocks, fed
  // whole and in pieces.
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
