// Tests for protocol/ring/ring.h with an honest peer: frames, wraparound, full and empty,
// batched publishing and the need-wakeup protocol.
#include <catch2/catch.hpp>

#include <cstring>
#include <numeric>
#include <vector>

#include "protocol/ring/ring.h"
#include "tests/support/test_region.h"

using namespace monocell::ring;
using monocell::testing::TestRegion;

namespace {

constexpr RingId kRing = RingId::kControlToGuest;

class CountingNotifier final : public Notifier {
 public:
  void notify() override { ++count; }
  int count = 0;
};

std::vector<uint8_t> pattern(size_t length, uint32_t seed) {
  std::vector<uint8_t> bytes(length);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : bytes) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return bytes;
}

RegionConfig small_rings(uint32_t ring_size, uint32_t max_frame) {
  RegionConfig config;
  config.control_ring_size = ring_size;
  config.stdio_ring_size = ring_size;
  config.max_frame = max_frame;
  return config;
}

// Sets both shared indices of a fresh ring to `position`, as if that many bytes had passed.
void start_at(const TestRegion& region, RingId id, uint32_t position) {
  region.indices(id)->producer.index = position;
  region.indices(id)->consumer.index = position;
}

}  // namespace

TEST_CASE("an empty ring reads as empty, not as an error") {
  TestRegion region;
  auto consumer = region.consumer(kRing);
  uint8_t buffer[16];
  CHECK(consumer.peek().status().code == Errc::kEmpty);
  CHECK(consumer.read(buffer, sizeof buffer).status().code == Errc::kEmpty);
  CHECK(consumer.broken().ok());
}

TEST_CASE("every frame size from 0 to the maximum arrives intact") {
  TestRegion region;  // default config: 64 KiB max frame
  auto producer = region.producer(kRing);
  auto consumer = region.consumer(kRing);
  const uint32_t max = region.layout().max_frame;
  const std::vector<uint8_t> source = pattern(max + 4096, 7);
  std::vector<uint8_t> received(max);

  for (uint32_t length = 0; length <= max; ++length) {
    const uint8_t* payload = source.data() + (length % 4096);
    REQUIRE(producer.send(length % 251 + 1, payload, length).ok());
    const auto frame = consumer.read(received.data(), max);
    REQUIRE(frame.ok());
    REQUIRE(frame->length == length);
    REQUIRE(frame->type == length % 251 + 1);
    REQUIRE(std::memcmp(received.data(), payload, length) == 0);
    consumer.release();
  }
  CHECK(consumer.peek().status().code == Errc::kEmpty);
  CHECK(producer.counters().frames == max + 1);
  CHECK(consumer.counters().frames == max + 1);
}

TEST_CASE("a frame over the maximum is refused and nothing is staged") {
  TestRegion region(small_rings(4096, 1000));
  auto producer = region.producer(kRing);
  auto consumer = region.consumer(kRing);
  const std::vector<uint8_t> big(2000, 0xAB);

  Status s = producer.write(1, big.data(), 1001);
  CHECK(s.code == Errc::kFrameTooLarge);
  CHECK(s.value == 1001);
  CHECK(s.bound == 1000);
  s = producer.write2(1, big.data(), 600, big.data(), 401);
  CHECK(s.code == Errc::kFrameTooLarge);
  CHECK(producer.writable(1001).code == Errc::kFrameTooLarge);
  CHECK(producer.staged_bytes() == 0);
  producer.publish();
  CHECK(consumer.peek().status().code == Errc::kEmpty);
  // Refusal is not a failure of the ring: the next good frame goes through.
  REQUIRE(producer.send(1, big.data(), 1000).ok());
  CHECK(consumer.peek()->length == 1000);
}

TEST_CASE("wraparound at every position with every frame size") {
  constexpr uint32_t kSize = 256;
  constexpr uint32_t kMax = kSize - sizeof(FrameHeader);
  const std::vector<uint8_t> source = pattern(kMax, 3);
  std::vector<uint8_t> received(kMax);

  for (uint32_t position = 0; position < kSize; position += kFrameAlign) {
    for (uint32_t length = 0; length <= kMax; ++length) {
      TestRegion region(small_rings(kSize, kMax));
      start_at(region, kRing, position);
      auto producer = region.producer(kRing);
      auto consumer = region.consumer(kRing);
      REQUIRE(producer.send(9, source.data(), length).ok());
      const auto frame = consumer.read(received.data(), kMax);
      REQUIRE(frame.ok());
      REQUIRE(frame->length == length);
      REQUIRE(std::memcmp(received.data(), source.data(), length) == 0);
      consumer.release();
      CHECK(region.indices(kRing)->consumer.index == position + frame_span(length));
    }
  }
}

TEST_CASE("the free-running 32-bit indices wrap past 2^32") {
  TestRegion region(small_rings(1024, 512));
  start_at(region, kRing, 0xFFFFFF00u);
  auto producer = region.producer(kRing);
  auto consumer = region.consumer(kRing);
  uint8_t out[64];
  uint8_t in[64];
  for (uint32_t i = 0; i < 200; ++i) {
    std::memset(out, static_cast<int>(i), sizeof out);
    REQUIRE(producer.send(1, out, 40).ok());
    REQUIRE(consumer.read(in, sizeof in).ok());
    REQUIRE(std::memcmp(in, out, 40) == 0);
    consumer.release();
  }
  CHECK(region.indices(kRing)->producer.index == static_cast<uint32_t>(0xFFFFFF00u + 200 * frame_span(40)));
  CHECK(region.indices(kRing)->producer.index < 0x10000u);
}

TEST_CASE("a full ring refuses with no-space until the consumer releases") {
  constexpr uint32_t kSize = 4096;
  TestRegion region(small_rings(kSize, 1024));
  auto producer = region.producer(kRing);
  auto consumer = region.consumer(kRing);
  const uint64_t payload = 0x1122334455667788ull;

  // 8-byte payloads take 16 bytes each: exactly kSize / 16 fit.
  uint32_t written = 0;
  while (producer.write(1, &payload, sizeof payload).ok()) ++written;
  CHECK(written == kSize / 16);
  const Status full = producer.write(1, &payload, sizeof payload);
  CHECK(full.code == Errc::kNoSpace);
  CHECK_FALSE(full.is_violation());
  producer.publish();

  uint64_t got = 0;
  REQUIRE(consumer.read(&got, sizeof got).ok());
  CHECK(got == payload);
  // Read but not released: the producer still sees the ring as full.
  CHECK(producer.write(1, &payload, sizeof payload).code == Errc::kNoSpace);
  consumer.release();
  CHECK(producer.write(1, &payload, sizeof payload).ok());
  producer.publish();

  uint32_t read = 0;
  while (consumer.read(&got, sizeof got).ok()) ++read;
  CHECK(read == kSize / 16);
  CHECK(consumer.peek().status().code == Errc::kEmpty);
}

TEST_CASE("staged frames stay invisible until one publish makes them all visible") {
  TestRegion region;
  auto producer = region.producer(kRing);
  auto consumer = region.consumer(kRing);
  for (uint32_t i = 0; i < 10; ++i) REQUIRE(producer.write(1, &i, sizeof i).ok());
  CHECK(producer.staged_bytes() == 10 * frame_span(4));
  CHECK(consumer.peek().status().code == Errc::kEmpty);
  producer.publish();
  CHECK(producer.counters().publishes == 1);
  for (uint32_t i = 0; i < 10; ++i) {
    uint32_t got = 99;
    REQUIRE(consumer.read(&got, sizeof got).ok());
    CHECK(got == i);
  }
}

TEST_CASE("a buffer too small leaves the frame in place") {
  TestRegion region;
  auto producer = region.producer(kRing);
  auto consumer = region.consumer(kRing);
  const std::vector<uint8_t> payload = pattern(100, 1);
  REQUIRE(producer.send(4, payload.data(), 100).ok());
  uint8_t small[50];
  const auto refused = consumer.read(small, sizeof small);
  CHECK(refused.status().code == Errc::kBufferTooSmall);
  CHECK(refused.status().value == 100);
  CHECK(consumer.broken().ok());
  std::vector<uint8_t> big(100);
  REQUIRE(consumer.read(big.data(), 100).ok());
  CHECK(big == payload);
}

TEST_CASE("write2 joins its two parts into one frame") {
  TestRegion region;
  auto producer = region.producer(kRing);
  auto consumer = region.consumer(kRing);
  REQUIRE(producer.write2(3, "head-", 5, "body", 4).ok());
  REQUIRE(producer.write2(3, nullptr, 0, "only", 4).ok());
  producer.publish();
  char buffer[16] = {};
  REQUIRE(consumer.read(buffer, sizeof buffer)->length == 9);
  CHECK(std::string(buffer, 9) == "head-body");
  REQUIRE(consumer.read(buffer, sizeof buffer)->length == 4);
  CHECK(std::string(buffer, 4) == "only");
  CHECK(producer.write2(3, nullptr, 4, nullptr, 0).code == Errc::kInvalidArgument);
}

TEST_CASE("need-wakeup: the producer notifies only a consumer that said it sleeps") {
  TestRegion region;
  CountingNotifier wake_consumer;
  CountingNotifier wake_producer;
  auto producer = region.producer(kRing, &wake_consumer);
  auto consumer = region.consumer(kRing, &wake_producer);
  const uint32_t value = 5;

  SECTION("an awake consumer costs no notification") {
    REQUIRE(producer.send(1, &value, sizeof value).ok());
    CHECK(wake_consumer.count == 0);
  }
  SECTION("a sleeping consumer is woken once per publish") {
    REQUIRE(consumer.prepare_wait());
    REQUIRE(producer.send(1, &value, sizeof value).ok());
    CHECK(wake_consumer.count == 1);
    consumer.finish_wait();
    REQUIRE(producer.send(1, &value, sizeof value).ok());
    CHECK(wake_consumer.count == 1);
    CHECK(producer.counters().notifications == 1);
  }
  SECTION("the re-check after arming catches a frame that is already there") {
    REQUIRE(producer.send(1, &value, sizeof value).ok());
    CHECK_FALSE(consumer.prepare_wait());
    CHECK(region.indices(kRing)->consumer.waiting == 0);  // disarmed again
  }
  SECTION("preparing to wait hands consumed space back first") {
    REQUIRE(producer.send(1, &value, sizeof value).ok());
    uint32_t got;
    REQUIRE(consumer.read(&got, sizeof got).ok());
    CHECK(region.indices(kRing)->consumer.index == 0);
    REQUIRE(consumer.prepare_wait());
    CHECK(region.indices(kRing)->consumer.index == frame_span(4));
  }
  SECTION("a producer waiting for space is woken by the release that frees it") {
    while (producer.write(1, &value, sizeof value).ok()) {
    }
    REQUIRE(producer.prepare_wait_for_space(sizeof value));  // publishes, then arms
    uint32_t got;
    REQUIRE(consumer.read(&got, sizeof got).ok());
    CHECK(wake_producer.count == 0);  // not released yet
    consumer.release();
    CHECK(wake_producer.count == 1);
    producer.finish_wait();
    CHECK(producer.write(1, &value, sizeof value).ok());
  }
  SECTION("a producer is not told to sleep when space is already there") {
    CHECK_FALSE(producer.prepare_wait_for_space(sizeof value));
    CHECK(region.indices(kRing)->producer.waiting == 0);
  }
}

TEST_CASE("a lost wakeup is visible from either end: data waits for a side that sleeps") {
  TestRegion region;
  auto producer = region.producer(kRing);  // no notifier: every notification is "lost"
  auto consumer = region.consumer(kRing);
  const uint32_t value = 7;
  CHECK_FALSE(producer.consumer_sleeps_on_data());
  CHECK_FALSE(consumer.has_unread());
  REQUIRE(consumer.prepare_wait());
  CHECK_FALSE(producer.consumer_sleeps_on_data());  // asleep, but nothing waits for it
  REQUIRE(producer.send(1, &value, sizeof value).ok());
  CHECK(producer.consumer_sleeps_on_data());
  CHECK(consumer.has_unread());
  consumer.finish_wait();
  CHECK_FALSE(producer.consumer_sleeps_on_data());  // awake: it will find the frame
  uint32_t got = 0;
  REQUIRE(consumer.read(&got, sizeof got).ok());
  consumer.release();
  CHECK_FALSE(consumer.has_unread());
  REQUIRE(consumer.prepare_wait());
  CHECK_FALSE(producer.consumer_sleeps_on_data());  // everything published was read
}

TEST_CASE("skip consumes a frame without copying it") {
  TestRegion region;
  auto producer = region.producer(kRing);
  auto consumer = region.consumer(kRing);
  const uint32_t a = 1, b = 2;
  REQUIRE(producer.write(1, &a, sizeof a).ok());
  REQUIRE(producer.write(1, &b, sizeof b).ok());
  producer.publish();
  REQUIRE(consumer.skip().ok());
  uint32_t got = 0;
  REQUIRE(consumer.read(&got, sizeof got).ok());
  CHECK(got == 2);
}
