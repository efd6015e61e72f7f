// Tests for protocol/ring/region.h: formatting a region and refusing corrupt headers.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "protocol/ring/region.h"
#include "tests/support/test_region.h"

using namespace monocell::ring;
using monocell::testing::TestRegion;

namespace {

// A formatted region in a byte vector, with the header exposed for corruption.
struct HeaderFixture {
  RegionConfig config;
  std::vector<uint8_t> bytes;
  RegionHeader* header;

  HeaderFixture() : bytes(region_size_for(config) + kPageSize) {
    header = reinterpret_cast<RegionHeader*>(aligned());
    REQUIRE(format_region(aligned(), region_size_for(config), config).ok());
  }
  uint8_t* aligned() {
    auto p = reinterpret_cast<uintptr_t>(bytes.data());
    return reinterpret_cast<uint8_t*>((p + kPageSize - 1) & ~uintptr_t{kPageSize - 1});
  }
  Status validate() { return validate_region(aligned(), region_size_for(config)).status(); }
};

}  // namespace

TEST_CASE("a formatted region validates to the layout it was built with") {
  TestRegion region;
  const auto validated = validate_region(region.base(), region.size());
  REQUIRE(validated.ok());
  const RegionLayout& layout = validated.value();
  CHECK(layout.size == region.size());
  CHECK(layout.max_frame == RegionConfig{}.max_frame);
  CHECK(layout.ring_count == kRequiredRingCount);
  for (uint32_t i = 0; i < kRequiredRingCount; ++i) {
    const RingLayout* ring = layout.find(static_cast<RingId>(i));
    REQUIRE(ring != nullptr);
    CHECK(is_power_of_two(ring->data_size));
    CHECK(ring->data_offset % kPageSize == 0);
    CHECK(ring->indices_offset % kPageSize == 0);
    CHECK(ring->data_offset + ring->data_size <= layout.size);
  }
}

TEST_CASE("ring sizes come from the config, per ring kind") {
  RegionConfig config;
  config.control_ring_size = 8192;
  config.stdio_ring_size = 1 << 20;
  config.max_frame = 4096;
  TestRegion region(config);
  CHECK(region.ring(RingId::kControlToHost).data_size == 8192);
  CHECK(region.ring(RingId::kControlToGuest).data_size == 8192);
  CHECK(region.ring(RingId::kStdioToHost).data_size == (1u << 20));
  CHECK(region.ring(RingId::kStdioToGuest).data_size == (1u << 20));
  CHECK(region.layout().max_frame == 4096);
}

TEST_CASE("format refuses configs that cannot work") {
  std::vector<uint8_t> memory(4 << 20);
  RegionConfig config;

  SECTION("ring size not a power of two") {
    config.control_ring_size = 3000;
    CHECK(format_region(memory.data(), memory.size(), config).status().code == Errc::kInvalidArgument);
  }
  SECTION("max frame larger than a ring") {
    config.stdio_ring_size = 4096;
    config.max_frame = 4096;
    CHECK(format_region(memory.data(), memory.size(), config).status().code == Errc::kInvalidArgument);
  }
  SECTION("memory smaller than the layout") {
    const auto r = format_region(memory.data(), region_size_for(config) - 1, config);
    CHECK(r.status().code == Errc::kRegionTooSmall);
    CHECK(r.status().bound == region_size_for(config));
  }
}

TEST_CASE("validation refuses a corrupt header with the reason") {
  HeaderFixture f;
  REQUIRE(f.validate().ok());

  SECTION("magic") {
    f.header->magic ^= 1;
    CHECK(f.validate().code == Errc::kBadMagic);
  }
  SECTION("ABI version") {
    f.header->abi_version = kAbiVersion + 1;
    const Status s = f.validate();
    CHECK(s.code == Errc::kBadAbiVersion);
    CHECK(s.value == kAbiVersion + 1);
  }
  SECTION("header size") {
    f.header->header_size = 12;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("region larger than what is mapped") {
    f.header->region_size += kPageSize;
    CHECK(f.validate().code == Errc::kRegionTooSmall);
  }
  SECTION("ring count") {
    f.header->ring_count = kMaxRings + 1;
    CHECK(f.validate().code == Errc::kBadLayout);
    f.header->ring_count = kRequiredRingCount - 1;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("ring size not a power of two") {
    f.header->rings[1].data_size -= 8;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("ring data past the end of the region") {
    f.header->rings[3].data_offset = static_cast<uint32_t>(f.header->region_size - kPageSize);
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("offsets wrapping 32 bits") {
    f.header->rings[0].data_offset = 0xFFFFF000u;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("misaligned indices") {
    f.header->rings[2].indices_offset += 4;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("rings overlapping each other") {
    f.header->rings[1].data_offset = f.header->rings[0].data_offset;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("ring overlapping the header") {
    f.header->rings[0].indices_offset = 0;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("a duplicate ring id") {
    f.header->rings[1].id = f.header->rings[0].id;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("a required ring missing") {
    f.header->rings[3].id = 7;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("max frame that no ring can carry") {
    f.header->max_frame = f.header->rings[0].data_size;
    CHECK(f.validate().code == Errc::kBadLayout);
  }
  SECTION("a mapping smaller than a header") {
    CHECK(validate_region(f.aligned(), sizeof(RegionHeader) - 1).status().code == Errc::kRegionTooSmall);
    CHECK(validate_region(nullptr, 1 << 20).status().code == Errc::kRegionTooSmall);
  }
}

TEST_CASE("an extra ring beyond the required four is accepted") {
  HeaderFixture f;
  // Carve a fifth ring out of the stdio-to-guest data: shrink that ring to half.
  RingDescriptor& last = f.header->rings[3];
  last.data_size /= 2;
  f.header->rings[4] = RingDescriptor{5, 0, last.data_offset + last.data_size, last.data_offset + last.data_size + 256,
                                      4096, 0};
  f.header->max_frame = 1024;
  f.header->ring_count = 5;
  const auto r = validate_region(f.aligned(), region_size_for(f.config));
  REQUIRE(r.ok());
  CHECK(r->ring_count == 5);
  REQUIRE(r->find(static_cast<RingId>(5)) != nullptr);
}
