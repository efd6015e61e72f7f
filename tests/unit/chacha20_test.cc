// The guest's ChaCha20 block function (guest-libos/src/chacha20.cc) against RFC 8439's test
// vector (section 2.3.2), on the host.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

#include "guest-libos/src/chacha20.h"

TEST_CASE("chacha20: RFC 8439's block test vector") {
  uint32_t key[8];
  for (uint32_t i = 0; i < 8; ++i) {  // 00 01 02 ... 1f, little-endian words
    key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (4 * i + 3) << 24;
  }
  const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0x00000000};  // 00 00 00 09 00 00 00 4a 00 00 00 00
  uint8_t out[64];
  monocell::libos::chacha20_block(key, 1, nonce, out);
  std::string hex;
  for (uint8_t b : out) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", b);
    hex += two;
  }
  CHECK(hex ==
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
}

TEST_CASE("chacha20: another counter or nonce gives another block") {
  const uint32_t key[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const uint32_t nonce[3] = {0, 0, 0};
  const uint32_t other_nonce[3] = {0, 0, 1};
  uint8_t a[64], b[64], c[64];
  monocell::libos::chacha20_block(key, 0, nonce, a);
  monocell::libos::chacha20_block(key, 1, nonce, b);
  monocell::libos::chacha20_block(key, 0, other_nonce, c);
  CHECK(std::string(a, a + 64) != std::string(b, b + 64));
  CHECK(std::string(a, a + 64) != std::string(c, c + 64));
}
