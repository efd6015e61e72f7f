// Two threads stream frames through one ring: busy-polling (10 million frames) and sleeping
// on eventfds with the need-wakeup protocol (where a lost wakeup would show as a timeout).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "protocol/ring/eventfd_notifier.h"
#include "tests/support/frame_stream.h"
#include "tests/support/test_region.h"

using namespace monocell::ring;
using monocell::testing::FrameStream;
using monocell::testing::TestRegion;

namespace {

constexpr RingId kRing = RingId::kStdioToHost;
constexpr int kWakeTimeoutMs = 5000;  // far beyond any scheduling delay: a timeout is a lost wakeup

struct Outcome {
  uint64_t frames = 0;
  uint64_t checksum = 0;
  uint64_t sleeps = 0;
  bool lost_wakeup = false;
  std::string error;
};

Outcome produce(RingProducer producer, uint64_t count, EventFdNotifier* space_ready) {
  Outcome out;
  FrameStream stream;
  uint8_t payload[FrameStream::kMaxPayload];
  for (uint64_t seq = 0; seq < count;) {
    const uint32_t length = FrameStream::make(seq, payload);
    const Status s = producer.write(1, payload, length);
    if (s.ok()) {
      stream.add(payload, length);
      ++seq;
      if (seq % 64 == 0) producer.publish();  // batched publishing
      continue;
    }
    if (s.code != Errc::kNoSpace) {
      out.error = s.message();
      return out;
    }
    if (space_ready == nullptr) {
      producer.publish();
      std::this_thread::yield();
    } else if (producer.prepare_wait_for_space(length)) {
      if (!space_ready->wait(kWakeTimeoutMs)) out.lost_wakeup = true;
      producer.finish_wait();
      if (out.lost_wakeup) return out;
    }
  }
  producer.publish();
  out.frames = count;
  out.checksum = stream.checksum();
  out.sleeps = producer.counters().sleeps;
  return out;
}

Outcome consume(RingConsumer consumer, uint64_t count, EventFdNotifier* data_ready) {
  Outcome out;
  FrameStream stream;
  uint8_t payload[FrameStream::kMaxPayload];
  uint8_t expected[FrameStream::kMaxPayload];
  while (out.frames < count) {
    const auto frame = consumer.read(payload, sizeof payload);
    if (frame.ok()) {
      const uint32_t length = FrameStream::make(out.frames, expected);
      if (frame->length != length || std::memcmp(payload, expected, length) != 0) {
        out.error = "frame " + std::to_string(out.frames) + " arrived corrupt";
        return out;
      }
      stream.add(payload, frame->length);
      if (++out.frames % 64 == 0) consumer.release();
      continue;
    }
    if (frame.status().code != Errc::kEmpty) {
      out.error = frame.status().message();
      return out;
    }
    if (data_ready == nullptr) {
      consumer.release();
      std::this_thread::yield();
    } else if (consumer.prepare_wait()) {
      if (!data_ready->wait(kWakeTimeoutMs)) out.lost_wakeup = true;
      consumer.finish_wait();
      if (out.lost_wakeup) return out;
    }
  }
  consumer.release();
  out.checksum = stream.checksum();
  out.sleeps = consumer.counters().sleeps;
  return out;
}

}  // namespace

TEST_CASE("two threads pass 10 million frames with matching checksums (polling)") {
  constexpr uint64_t kFrames = 10'000'000;
  RegionConfig config;
  config.stdio_ring_size = 64 * 1024;
  config.max_frame = 4096;
  TestRegion region(config);
  Outcome sent;
  std::thread producer([&] { sent = produce(region.producer(kRing), kFrames, nullptr); });
  const Outcome received = consume(region.consumer(kRing), kFrames, nullptr);
  producer.join();

  INFO("producer: " << sent.error << " consumer: " << received.error);
  REQUIRE(sent.error.empty());
  REQUIRE(received.error.empty());
  CHECK(sent.frames == kFrames);
  CHECK(received.frames == kFrames);
  CHECK(received.checksum == sent.checksum);
}

TEST_CASE("two threads sleeping on eventfds never lose a wakeup") {
  constexpr uint64_t kFrames = 1'000'000;
  RegionConfig config;
  config.stdio_ring_size = 4096;  // small: the producer must often wait for space
  config.max_frame = 1024;
  TestRegion region(config);
  EventFdNotifier data_ready;
  EventFdNotifier space_ready;
  Outcome sent;
  std::thread producer([&] { sent = produce(region.producer(kRing, &data_ready), kFrames, &space_ready); });
  const Outcome received = consume(region.consumer(kRing, &space_ready), kFrames, &data_ready);
  producer.join();

  INFO("producer: " << sent.error << " consumer: " << received.error);
  REQUIRE(sent.error.empty());
  REQUIRE(received.error.empty());
  CHECK_FALSE(sent.lost_wakeup);
  CHECK_FALSE(received.lost_wakeup);
  CHECK(received.frames == kFrames);
  CHECK(received.checksum == sent.checksum);
  // Both sides really slept, so the wakeup path was exercised, not just polling.
  CHECK(sent.sleeps + received.sleeps > 0);
}
