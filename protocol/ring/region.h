// Laying out a ring region (the side that creates it) and validating one (the side that
// attaches to it).
//
// Validation reads the shared header exactly once, into a private copy, and checks every
// offset and size against the region before anything is used. Whoever created the region
// keeps its own RegionLayout and never re-reads the header the other side could rewrite.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "status.h"

namespace monocell::ring {

struct RegionConfig {
  uint32_t control_ring_size = 256 * 1024;  // each direction, power of two
  uint32_t stdio_ring_size = 256 * 1024;  // each direction, power of two
  uint32_t max_frame = 64 * 1024;
  uint64_t features = kFeatureNeedWakeup;
};

// The validated, private view of one ring.
struct RingLayout {
  RingId id = RingId::kControlToHost;
  uint32_t indices_offset = 0;
  uint32_t data_offset = 0;
  uint32_t data_size = 0;
  uint32_t max_frame = 0;
};

// The validated, private view of a region.
struct RegionLayout {
  uint64_t size = 0;
  uint64_t features = 0;
  uint32_t max_frame = 0;
  uint32_t ring_count = 0;
  RingLayout rings[kMaxRings] = {};

  const RingLayout* find(RingId id) const {
    for (uint32_t i = 0; i < ring_count; ++i) {
      if (rings[i].id == id) return &rings[i];
    }
    return nullptr;
  }
};

namespace detail {

inline uint32_t page_align(uint64_t value) {
  return static_cast<uint32_t>((value + kPageSize - 1) & ~uint64_t{kPageSize - 1});
}

inline Status check_ring_size(uint32_t size) {
  if (!is_power_of_two(size) || size < kMinRingSize || size > kMaxRingSize) {
    return error(Errc::kInvalidArgument, size, kMaxRingSize);
  }
  return ok_status();
}

struct Span {
  uint64_t begin;
  uint64_t end;
};

inline bool overlaps(Span a, Span b) { return a.begin < b.end && b.begin < a.end; }

}  // namespace detail

inline uint32_t ring_size_for(const RegionConfig& config, RingId id) {
  return (id == RingId::kControlToHost || id == RingId::kControlToGuest) ? config.control_ring_size
                                                                          : config.stdio_ring_size;
}

// Bytes a region built from `config` needs: a header page, then per ring an indices page and
// its page-aligned data (pages, so each part can be granted or mapped on its own).
inline uint64_t region_size_for(const RegionConfig& config) {
  uint64_t size = kPageSize;
  for (uint32_t i = 0; i < kRequiredRingCount; ++i) {
    size += kPageSize + detail::page_align(ring_size_for(config, static_cast<RingId>(i)));
  }
  return size;
}

// Validates the header at `base` (read once) against `size`, the bytes actually mapped.
inline Result<RegionLayout> validate_region(const void* base, uint64_t size) {
  if (base == nullptr || size < sizeof(RegionHeader)) {
    return error(Errc::kRegionTooSmall, size, sizeof(RegionHeader));
  }
  RegionHeader h;
  __builtin_memcpy(&h, base, sizeof h);  // the one read of the shared header
  __atomic_signal_fence(__ATOMIC_SEQ_CST);  // keep the compiler from re-reading `base`

  if (h.magic != kRegionMagic) return error(Errc::kBadMagic, h.magic, kRegionMagic);
  if (h.abi_version != kAbiVersion) return error(Errc::kBadAbiVersion, h.abi_version, kAbiVersion);
  if (h.header_size != sizeof(RegionHeader)) {
    return error(Errc::kBadLayout, h.header_size, sizeof(RegionHeader));
  }
  if (h.region_size > size) return error(Errc::kRegionTooSmall, size, h.region_size);
  if (h.ring_count < kRequiredRingCount || h.ring_count > kMaxRings) {
    return error(Errc::kBadLayout, h.ring_count, kMaxRings);
  }

  RegionLayout layout;
  layout.size = h.region_size;
  layout.features = h.features;
  layout.max_frame = h.max_frame;
  layout.ring_count = h.ring_count;

  detail::Span used[1 + 2 * kMaxRings];
  uint32_t used_count = 0;
  used[used_count++] = {0, sizeof(RegionHeader)};
  uint32_t seen_ids = 0;

  for (uint32_t i = 0; i < h.ring_count; ++i) {
    const RingDescriptor& d = h.rings[i];
    if (d.id >= 32) return error(Errc::kBadLayout, d.id, 32);
    if (seen_ids & (1u << d.id)) return error(Errc::kBadLayout, d.id);  // duplicate ring
    seen_ids |= 1u << d.id;
    if (!detail::check_ring_size(d.data_size).ok()) {
      return error(Errc::kBadLayout, d.data_size, kMaxRingSize);
    }
    if (d.indices_offset % kCacheLine != 0) return error(Errc::kBadLayout, d.indices_offset, kCacheLine);
    if (d.data_offset % kCacheLine != 0) return error(Errc::kBadLayout, d.data_offset, kCacheLine);
    const detail::Span indices{d.indices_offset, uint64_t{d.indices_offset} + sizeof(RingIndices)};
    const detail::Span data{d.data_offset, uint64_t{d.data_offset} + d.data_size};
    if (indices.end > h.region_size) return error(Errc::kBadLayout, indices.end, h.region_size);
    if (data.end > h.region_size) return error(Errc::kBadLayout, data.end, h.region_size);
    const detail::Span parts[2] = {indices, data};
    for (const detail::Span& part : parts) {
      for (uint32_t j = 0; j < used_count; ++j) {
        if (detail::overlaps(part, used[j])) return error(Errc::kBadLayout, part.begin, used[j].end);
      }
      used[used_count++] = part;
    }
    // Every ring must carry the largest frame when empty.
    if (frame_span(h.max_frame) > d.data_size) {
      return error(Errc::kBadLayout, h.max_frame, d.data_size - sizeof(FrameHeader));
    }
    layout.rings[i] = RingLayout{static_cast<RingId>(d.id), d.indices_offset, d.data_offset,
                                 d.data_size, h.max_frame};
  }
  const uint32_t required = (1u << kRequiredRingCount) - 1;
  if ((seen_ids & required) != required) return error(Errc::kBadLayout, seen_ids, required);
  return layout;
}

// Writes a fresh header and zeroed indices for `config` into `base` (`size` bytes mapped).
inline Result<RegionLayout> format_region(void* base, uint64_t size, const RegionConfig& config) {
  for (uint32_t i = 0; i < kRequiredRingCount; ++i) {
    const Status s = detail::check_ring_size(ring_size_for(config, static_cast<RingId>(i)));
    if (!s.ok()) return s;
  }
  const uint64_t needed = region_size_for(config);
  if (base == nullptr || size < needed) return error(Errc::kRegionTooSmall, size, needed);
  if (size > 0xFFFFFFFFull) return error(Errc::kInvalidArgument, size, 0xFFFFFFFFull);

  RegionHeader h = {};
  h.magic = kRegionMagic;
  h.abi_version = kAbiVersion;
  h.header_size = sizeof(RegionHeader);
  h.features = config.features;
  h.region_size = size;
  h.max_frame = config.max_frame;
  h.ring_count = kRequiredRingCount;

  auto* bytes = static_cast<uint8_t*>(base);
  uint32_t offset = kPageSize;
  for (uint32_t i = 0; i < kRequiredRingCount; ++i) {
    const auto id = static_cast<RingId>(i);
    const uint32_t data_size = ring_size_for(config, id);
    if (frame_span(config.max_frame) > data_size) {
      return error(Errc::kInvalidArgument, config.max_frame, data_size - sizeof(FrameHeader));
    }
    h.rings[i] = RingDescriptor{i, 0, offset, offset + kPageSize, data_size, 0};
    __builtin_memset(bytes + offset, 0, sizeof(RingIndices));
    offset += kPageSize + detail::page_align(data_size);
  }
  __builtin_memcpy(base, &h, sizeof h);
  return validate_region(base, size);
}

}  // namespace monocell::ring
