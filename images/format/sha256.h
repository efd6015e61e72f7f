// SHA-256, fed incrementally: the digest that names every blob and manifest of an image.
// Nettle computes it (with the CPU's SHA extensions where it has them).
#pragma once

#include <nettle/sha2.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace monocell::image {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> bytes);
  void update(std::string_view bytes) { update({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}); }
  // The digest of everything fed so far; the object must not be fed afterwards.
  Sha256Digest finish();

  static Sha256Digest of(std::span<const uint8_t> bytes);
  static Sha256Digest of(std::string_view bytes);

 private:
  sha256_ctx context_;
};

// 64 lowercase hex digits.
std::string to_hex(const Sha256Digest& digest);
// Parses 64 hex digits (either case); false when `text` is anything else.
bool parse_hex(std::string_view text, Sha256Digest* digest);

}  // namespace monocell::image
