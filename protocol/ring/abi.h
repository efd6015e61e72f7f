// The shared-memory ring ABI: the one contract between host and guest about the ring region.
//
// Dual-use and freestanding: it depends on nothing but <stddef.h> and <stdint.h>, so the guest's
// ring-0 supervisor, the guest runtime and the host all include this same file. Any change to
// the layout of these structures must bump kAbiVersion.
//
// A region is one header page followed by rings. Each ring is single-producer single-consumer:
//
//   region:  [RegionHeader (page 0)] [RingIndices][data ...] [RingIndices][data ...] ...
//   ring:    producer and consumer indices are free-running 32-bit byte counters, each on its
//            own cache line; data is a power-of-two byte array holding 8-byte aligned frames
//   frame:   [FrameHeader{length, type}][payload (length bytes)][padding to 8]
//
// A frame's payload may wrap around the end of the data array; its header never does (the
// header is 8 bytes and frames are 8-byte aligned in a power-of-two array).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace monocell::ring {

inline constexpr uint64_t kRegionMagic = 0x474E49524F4E4F4DULL;  // "MONORING", little-endian
inline constexpr uint32_t kAbiVersion = 1;

inline constexpr uint32_t kPageSize = 4096;
inline constexpr uint32_t kCacheLine = 64;
inline constexpr uint32_t kFrameAlign = 8;
inline constexpr uint32_t kMaxRings = 8;
inline constexpr uint32_t kMinRingSize = 64;
inline constexpr uint32_t kMaxRingSize = 1u << 28;

// Feature bits offered by whoever formatted the region. Readers ignore bits they do not know.
inline constexpr uint64_t kFeatureNeedWakeup = 1ull << 0;  // waiting flags are honoured

// Which ring a descriptor names. "ToHost" rings are produced by the guest, "ToGuest" by the host.
enum class RingId : uint32_t {
  kControlToHost = 0,  // guest -> host Envelopes
  kControlToGuest = 1,  // host -> guest Envelopes
  kStdioToHost = 2,  // guest stdout/stderr bytes
  kStdioToGuest = 3,  // guest stdin bytes
};
inline constexpr uint32_t kRequiredRingCount = 4;

// Frame types. The ring itself does not interpret them; type 0 is never written.
enum class FrameType : uint32_t {
  kEnvelope = 1,  // control rings: one serialized monocell.v1.Envelope
  kStdout = 2,  // stdio rings: bytes of fd 1
  kStderr = 3,  // bytes of fd 2
  kStdin = 4,  // bytes for fd 0
  kStdinEof = 5,  // fd 0 reached end of file
};

struct RingDescriptor {
  uint32_t id;  // RingId
  uint32_t reserved;  // zero
  uint32_t indices_offset;  // RingIndices, from the start of the region, cache-line aligned
  uint32_t data_offset;  // data array, from the start of the region, cache-line aligned
  uint32_t data_size;  // bytes, a power of two in [kMinRingSize, kMaxRingSize]
  uint32_t reserved2;  // zero
};
static_assert(sizeof(RingDescriptor) == 24);

struct RegionHeader {
  uint64_t magic;  // kRegionMagic
  uint32_t abi_version;  // kAbiVersion
  uint32_t header_size;  // sizeof(RegionHeader)
  uint64_t features;  // kFeature* bits
  uint64_t region_size;  // bytes, including this header
  uint32_t max_frame;  // largest payload one frame may carry, in bytes
  uint32_t ring_count;  // entries used in rings[]
  RingDescriptor rings[kMaxRings];
};
static_assert(sizeof(RegionHeader) == 40 + 24 * kMaxRings);
static_assert(sizeof(RegionHeader) <= kPageSize);

// Each side writes only its own cache line: the producer its index and its "waiting for
// space" flag, the consumer its index and its "waiting for data" flag.
struct alignas(kCacheLine) ProducerLine {
  uint32_t index;  // bytes ever published
  uint32_t waiting;  // non-zero: the producer sleeps until the consumer frees space
  uint8_t pad[kCacheLine - 8];
};
struct alignas(kCacheLine) ConsumerLine {
  uint32_t index;  // bytes ever consumed
  uint32_t waiting;  // non-zero: the consumer sleeps until the producer publishes
  uint8_t pad[kCacheLine - 8];
};
struct RingIndices {
  ProducerLine producer;
  ConsumerLine consumer;
};
static_assert(sizeof(RingIndices) == 2 * kCacheLine);
static_assert(offsetof(RingIndices, consumer) == kCacheLine);

struct FrameHeader {
  uint32_t length;  // payload bytes, at most RegionHeader::max_frame
  uint32_t type;  // FrameType
};
static_assert(sizeof(FrameHeader) == kFrameAlign);

constexpr uint32_t align_up(uint32_t value, uint32_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}

constexpr bool is_power_of_two(uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

// Bytes a frame with a payload of `length` occupies in the ring.
constexpr uint64_t frame_span(uint32_t length) {
  return sizeof(FrameHeader) + ((uint64_t{length} + kFrameAlign - 1) & ~uint64_t{kFrameAlign - 1});
}

}  // namespace monocell::ring
