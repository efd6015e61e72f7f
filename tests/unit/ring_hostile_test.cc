// Tests for protocol/ring/ring.h against a hostile peer: every corruption the other side can
// write into shared memory yields an error value, and the error is sticky.
#include <catch2/catch.hpp>

#include <cstring>

#include "protocol/ring/ring.h"
#include "tests/support/test_region.h"

using namespace monocell::ring;
using monocell::testing::TestRegion;

namespace {

constexpr RingId kToHost = RingId::kControlToHost;
constexpr RingId kToGuest = RingId::kControlToGuest;

RegionConfig config_4k() {
  RegionConfig config;
  config.control_ring_size = 4096;
  config.stdio_ring_size = 4096;
  config.max_frame = 1024;
  return config;
}

// Writes a raw frame header at byte `position` of a ring's data, as a guest could.
void forge_header(const TestRegion& region, RingId id, uint32_t position, uint32_t length, uint32_t type) {
  const FrameHeader h{length, type};
  std::memcpy(region.data(id) + (position & (region.ring(id).data_size - 1)), &h, sizeof h);
}

}  // namespace

TEST_CASE("consumer: a producer index beyond the ring size is an error, not data") {
  TestRegion region(config_4k());
  auto consumer = region.consumer(kToHost);
  region.indices(kToHost)->producer.index = 4096 + 8;
  uint8_t buffer[2048];
  const auto r = consumer.read(buffer, sizeof buffer);
  CHECK(r.status().code == Errc::kIndexOutOfRange);
  CHECK(r.status().value == 4096 + 8);
  CHECK(r.status().bound == 4096);
  CHECK(r.status().is_violation());
}

TEST_CASE("consumer: a producer index that moves backwards is an error") {
  TestRegion region(config_4k());
  auto producer = region.producer(kToHost);
  auto consumer = region.consumer(kToHost);
  const uint64_t v = 1;
  REQUIRE(producer.send(1, &v, sizeof v).ok());
  uint8_t none[1];
  REQUIRE(consumer.read(none, 0).status().code == Errc::kBufferTooSmall);
  REQUIRE(consumer.skip().ok());
  region.indices(kToHost)->producer.index = 0;  // behind our position of 16
  CHECK(consumer.peek().status().code == Errc::kIndexOutOfRange);
}

TEST_CASE("consumer: a misaligned producer index is an error") {
  TestRegion region(config_4k());
  auto consumer = region.consumer(kToHost);
  region.indices(kToHost)->producer.index = 13;
  CHECK(consumer.peek().status().code == Errc::kIndexMisaligned);
}

TEST_CASE("consumer: frame lengths are checked against max frame and published bytes") {
  TestRegion region(config_4k());
  auto consumer = region.consumer(kToHost);

  SECTION("longer than max frame") {
    forge_header(region, kToHost, 0, 1025, 1);
    region.indices(kToHost)->producer.index = 2048;
    const auto r = consumer.peek();
    CHECK(r.status().code == Errc::kCorruptFrameLength);
    CHECK(r.status().value == 1025);
    CHECK(r.status().bound == 1024);
  }
  SECTION("longer than what was published") {
    forge_header(region, kToHost, 0, 100, 1);
    region.indices(kToHost)->producer.index = 64;
    CHECK(consumer.peek().status().code == Errc::kCorruptFrameLength);
  }
  SECTION("the largest length a 32-bit field can hold") {
    forge_header(region, kToHost, 0, 0xFFFFFFFFu, 1);
    region.indices(kToHost)->producer.index = 4096;
    CHECK(consumer.peek().status().code == Errc::kCorruptFrameLength);
  }
  SECTION("a frame straddling the published index after good frames") {
    forge_header(region, kToHost, 0, 8, 1);
    forge_header(region, kToHost, 16, 64, 1);
    region.indices(kToHost)->producer.index = 48;  // second frame needs 72 bytes, 32 published
    uint64_t buffer[16];
    REQUIRE(consumer.read(buffer, sizeof buffer).ok());
    CHECK(consumer.read(buffer, sizeof buffer).status().code == Errc::kCorruptFrameLength);
  }
}

TEST_CASE("a broken end stays broken even if the memory is repaired") {
  TestRegion region(config_4k());
  auto consumer = region.consumer(kToHost);
  region.indices(kToHost)->producer.index = 0x80000000u;
  const Status first = consumer.peek().status();
  REQUIRE(first.is_violation());
  region.indices(kToHost)->producer.index = 0;  // "repaired"
  uint8_t buffer[8];
  CHECK(consumer.read(buffer, sizeof buffer).status().code == first.code);
  CHECK(consumer.skip().code == first.code);
  CHECK_FALSE(consumer.prepare_wait());
  CHECK(consumer.broken().code == first.code);
}

TEST_CASE("producer: a consumer index ahead of what was published is an error") {
  TestRegion region(config_4k());
  auto producer = region.producer(kToGuest);
  const uint64_t v = 1;
  // Fill most of the ring so the producer must look at the consumer index again.
  for (int i = 0; i < 200; ++i) REQUIRE(producer.write(1, &v, sizeof v).ok());
  producer.publish();
  region.indices(kToGuest)->consumer.index = 200 * 16 + 64;  // consumed more than was written
  for (int i = 0; i < 100; ++i) {
    const Status s = producer.write(1, &v, sizeof v);
    if (!s.ok()) {
      CHECK(s.code == Errc::kIndexOutOfRange);
      CHECK(producer.broken().code == Errc::kIndexOutOfRange);
      return;
    }
  }
  FAIL("the producer never noticed the impossible consumer index");
}

TEST_CASE("producer: a misaligned consumer index is an error") {
  TestRegion region(config_4k());
  auto producer = region.producer(kToGuest);
  const uint64_t v = 1;
  for (int i = 0; i < 256; ++i) REQUIRE(producer.write(1, &v, sizeof v).ok());
  region.indices(kToGuest)->consumer.index = 3;
  CHECK(producer.write(1, &v, sizeof v).code == Errc::kIndexMisaligned);
  CHECK_FALSE(producer.publish());  // a broken producer publishes nothing more
}

TEST_CASE("attach refuses misaligned or inconsistent starting indices") {
  TestRegion region(config_4k());
  region.indices(kToHost)->consumer.index = 5;
  CHECK(RingConsumer::attach(region.base(), region.ring(kToHost), nullptr).status().code == Errc::kIndexMisaligned);

  region.indices(kToGuest)->producer.index = 64;
  region.indices(kToGuest)->consumer.index = 128;  // consumer ahead of producer
  CHECK(RingProducer::attach(region.base(), region.ring(kToGuest), nullptr).status().code ==
        Errc::kIndexOutOfRange);

  RingLayout bad = region.ring(kToHost);
  bad.data_size = 1000;
  CHECK(RingConsumer::attach(region.base(), bad, nullptr).status().code == Errc::kInvalidArgument);
}

TEST_CASE("the side that formatted a ring keeps its own index whatever the peer wrote over it") {
  TestRegion region(config_4k());
  // The peer scribbles over the indices that belong to the host before the host attaches.
  region.indices(kToHost)->consumer.index = 5;
  region.indices(kToGuest)->producer.index = 0x7FFFFFF8;
  auto consumer = RingConsumer::attach_at(region.base(), region.ring(kToHost), nullptr, 0);
  auto producer = RingProducer::attach_at(region.base(), region.ring(kToGuest), nullptr, 0);
  REQUIRE(consumer.ok());
  REQUIRE(producer.ok());
  // The host's producer publishes from 0, and a well-behaved peer reads the frame.
  const uint64_t v = 42;
  REQUIRE(producer.value().write(1, &v, sizeof v).ok());
  producer.value().publish();
  CHECK(region.indices(kToGuest)->producer.index == 16);
  auto guest = RingConsumer::attach(region.base(), region.ring(kToGuest), nullptr);
  REQUIRE(guest.ok());
  uint64_t got = 0;
  REQUIRE(guest.value().read(&got, sizeof got).ok());
  CHECK(got == 42);
  // A peer index that is impossible from the start still refuses the attach.
  region.indices(kToGuest)->consumer.index = 3;
  CHECK(RingProducer::attach_at(region.base(), region.ring(kToGuest), nullptr, 0).status().code ==
        Errc::kIndexMisaligned);
}

TEST_CASE("a waiting flag set by a hostile peer only costs extra notifications") {
  TestRegion region(config_4k());
  struct Counter final : Notifier {
    void notify() override { ++n; }
    int n = 0;
  } wake;
  auto producer = region.producer(kToGuest, &wake);
  region.indices(kToGuest)->consumer.waiting = 0xDEADBEEF;
  const uint64_t v = 1;
  for (int i = 0; i < 5; ++i) REQUIRE(producer.send(1, &v, sizeof v).ok());
  CHECK(wake.n == 5);
  CHECK(producer.broken().ok());
}
