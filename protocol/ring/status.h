// Error values of the ring layer. No exceptions and no heap: usable freestanding.
//
// Every broken invariant the other side can cause has its own code, and a Status carries the
// value that was seen and the bound it broke, so a report can say exactly what was wrong.
#pragma once

#include <stdint.h>

namespace monocell::ring {

enum class Errc : uint32_t {
  kOk = 0,
  // Ordinary, expected outcomes.
  kEmpty,  // no frame to read
  kNoSpace,  // not enough free bytes for the frame now
  kBufferTooSmall,  // the next frame is longer than the caller's buffer (value = length)
  kFrameTooLarge,  // refused to write: payload over the region's max frame
  // Caller mistakes.
  kInvalidArgument,
  // The region or the other side broke the contract.
  kRegionTooSmall,
  kBadMagic,
  kBadAbiVersion,
  kBadLayout,
  kIndexOutOfRange,  // an index moved further than the ring size allows
  kIndexMisaligned,  // an index is not a multiple of the frame alignment
  kCorruptFrameLength,  // a frame header claims more than max frame or than was published
};

inline const char* describe(Errc code) {
  switch (code) {
    case Errc::kOk: return "ok";
    case Errc::kEmpty: return "ring is empty";
    case Errc::kNoSpace: return "ring has no space for the frame";
    case Errc::kBufferTooSmall: return "frame is larger than the receive buffer";
    case Errc::kFrameTooLarge: return "frame payload exceeds the region's max frame size";
    case Errc::kInvalidArgument: return "invalid argument";
    case Errc::kRegionTooSmall: return "region is smaller than its layout requires";
    case Errc::kBadMagic: return "region header magic is wrong";
    case Errc::kBadAbiVersion: return "region ABI version is not supported";
    case Errc::kBadLayout: return "region layout is inconsistent";
    case Errc::kIndexOutOfRange: return "peer index is further from ours than the ring size";
    case Errc::kIndexMisaligned: return "peer index is not frame-aligned";
    case Errc::kCorruptFrameLength: return "frame length exceeds max frame or published bytes";
  }
  return "unknown ring error";
}

struct Status {
  Errc code = Errc::kOk;
  uint64_t value = 0;  // what was seen
  uint64_t bound = 0;  // the limit it broke, where one applies

  constexpr bool ok() const { return code == Errc::kOk; }
  // True when the other side (or memory) broke the ring's contract: the ring is unusable.
  constexpr bool is_violation() const { return code >= Errc::kRegionTooSmall; }
  const char* message() const { return describe(code); }
};

constexpr Status ok_status() { return Status{}; }
constexpr Status error(Errc code, uint64_t value = 0, uint64_t bound = 0) {
  return Status{code, value, bound};
}

// A value or the Status explaining its absence. T must be default-constructible.
template <typename T>
class Result {
 public:
  constexpr Result(const T& value) : value_(value) {}  // NOLINT: implicit by design
  constexpr Result(Status status) : status_(status) {}  // NOLINT: implicit by design

  constexpr bool ok() const { return status_.ok(); }
  constexpr const Status& status() const { return status_; }
  constexpr const T& value() const { return value_; }
  constexpr T& value() { return value_; }
  constexpr const T* operator->() const { return &value_; }
  constexpr T* operator->() { return &value_; }

 private:
  Status status_{};
  T value_{};
};

}  // namespace monocell::ring
