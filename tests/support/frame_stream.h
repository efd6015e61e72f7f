// A deterministic stream of test frames: frame i has a known length and payload, so a
// receiver can check each frame it gets and both sides can compare running checksums.
#pragma once

#include <cstdint>
#include <cstring>

namespace monocell::testing {

class FrameStream {
 public:
  static constexpr uint32_t kMaxPayload = 8 + 120;

  // Fills `out` (at least kMaxPayload bytes) with frame `sequence`; returns its length.
  static uint32_t make(uint64_t sequence, uint8_t* out) {
    const uint32_t length = 8 + static_cast<uint32_t>((sequence * 7) % 121);
    std::memcpy(out, &sequence, 8);
    uint64_t x = sequence * 0x9E3779B97F4A7C15ull + 1;
    for (uint32_t i = 8; i < length; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      out[i] = static_cast<uint8_t>(x);
    }
    return length;
  }

  // FNV-1a over every payload byte seen so far.
  void add(const uint8_t* payload, uint32_t length) {
    for (uint32_t i = 0; i < length; ++i) checksum_ = (checksum_ ^ payload[i]) * 0x100000001B3ull;
  }
  uint64_t checksum() const { return checksum_; }

 private:
  uint64_t checksum_ = 0xCBF29CE484222325ull;
};

}  // namespace monocell::testing
