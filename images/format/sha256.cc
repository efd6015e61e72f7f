// SHA-256 through Nettle's sha256_ctx; hex text in and out.
#include "images/format/sha256.h"

namespace monocell::image {

Sha256::Sha256() { sha256_init(&context_); }

void Sha256::update(std::span<const uint8_t> bytes) { sha256_update(&context_, bytes.size(), bytes.data()); }

Sha256Digest Sha256::finish() {
  Sha256Digest digest;
  sha256_digest(&context_, digest.size(), digest.data());
  return digest;
}

Sha256Digest Sha256::of(std::span<const uint8_t> bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.finish();
}

Sha256Digest Sha256::of(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.finish();
}

std::string to_hex(const Sha256Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(64, '0');
  for (size_t i = 0; i < digest.size(); ++i) {
    text[2 * i] = kDigits[digest[i] >> 4];
    text[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return text;
}

bool parse_hex(std::string_view text, Sha256Digest* digest) {
  if (text.size() != 64) return false;
  const auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    const int hi = value(text[2 * i]);
    const int lo = value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*digest)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace monocell::image
