// Tests for images/format/sha256.h: FIPS 180-4's examples, feeding in pieces, hex text.
#include <catch2/catch.hpp>

#include <random>

#include "images/format/sha256.h"

using namespace monocell::image;

namespace {

std::string hex_of(std::string_view text) { return to_hex(Sha256::of(text)); }

}  // namespace

TEST_CASE("sha256 gives FIPS 180-4's digests") {
  CHECK(hex_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex_of(std::string(1'000'000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 fed in pieces of any size equals sha256 of the whole") {
  std::mt19937 random(7);
  for (size_t length : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 120u, 128u, 1000u, 65537u}) {
    std::string data(length, '\0');
    for (char& c : data) c = static_cast<char>(random());
    const Sha256Digest whole = Sha256::of(data);
    Sha256 pieces;
    size_t at = 0;
    size_t step = 1;
    while (at < data.size()) {
      const size_t n = std::min(step, data.size() - at);
      pieces.update(std::string_view(data).substr(at, n));
      at += n;
      step = step * 5 % 97 + 1;
    }
    INFO("length " << length);
    CHECK(pieces.finish() == whole);
  }
}

TEST_CASE("sha256 digests print as 64 hex digits and parse back") {
  const Sha256Digest digest = Sha256::of(std::string_view("abc"));
  Sha256Digest parsed{};
  REQUIRE(parse_hex(to_hex(digest), &parsed));
  CHECK(parsed == digest);
  CHECK(parse_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", &parsed));
  CHECK(parsed == digest);
  CHECK_FALSE(parse_hex("ba78", &parsed));
  CHECK_FALSE(parse_hex(std::string(63, '0') + "g", &parsed));
}
