// SHA-256 (FIPS 180-4), fed incrementally: the digest that names every blob and manifest of an
// image. Uses the CPU's SHA extensions when it has them.
#pragma once

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

  // For tests: whether the SHA-extension path is in use, and a switch to the portable one.
  static bool using_cpu_extensions();
  static void force_portable(bool portable);

 private:
  void compress(const uint8_t* blocks, size_t count);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// 64 lowercase hex digits.
std::string to_hex(const Sha256Digest& digest);
// Parses 64 hex digits (either case); false when `text` is anything else.
bool parse_hex(std::string_view text, Sha256Digest* digest);

}  // namespace monocell::image
