// Two processes share a ring region through a memfd: a stream of frames with a checksum, and
// Envelopes both ways, each side sleeping on an eventfd the other notifies.
#include <catch2/catch.hpp>

#include "protocol/envelope_ring.h"
#include "protocol/ring/eventfd_notifier.h"
#include "protocol/ring/memfd_region.h"
#include "tests/support/child_process.h"
#include "tests/support/frame_stream.h"

using namespace monocell;
using namespace monocell::ring;
using monocell::testing::ChildProcess;
using monocell::testing::FrameStream;

namespace {

constexpr int kWakeTimeoutMs = 5000;
constexpr uint32_t kChecksumFrame = 99;

// Maps the memfd again in the child, as a guest process would, and validates the header.
void* map_in_child(const MemfdRegion& region) {
  void* p = mmap(nullptr, region.size(), PROT_READ | PROT_WRITE, MAP_SHARED, region.fd(), 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

TEST_CASE("two processes over a memfd pass a million frames with matching checksums") {
  constexpr uint64_t kFrames = 1'000'000;
  RegionConfig config;
  config.stdio_ring_size = 16 * 1024;
  config.max_frame = 4096;
  MemfdRegion region(config);
  EventFdNotifier data_ready;
  EventFdNotifier space_ready;

  ChildProcess child([&] {
    void* base = map_in_child(region);
    if (base == nullptr) return 2;
    const auto layout = validate_region(base, region.size());
    if (!layout.ok()) return 3;
    auto producer = RingProducer::attach(base, *layout->find(RingId::kStdioToHost), &data_ready);
    if (!producer.ok()) return 4;
    RingProducer& p = producer.value();
    FrameStream stream;
    uint8_t payload[FrameStream::kMaxPayload];
    for (uint64_t seq = 0; seq < kFrames;) {
      const uint32_t length = FrameStream::make(seq, payload);
      const Status s = p.write(1, payload, length);
      if (s.ok()) {
        stream.add(payload, length);
        if (++seq % 32 == 0) p.publish();
      } else if (s.code != Errc::kNoSpace) {
        return 5;
      } else if (p.prepare_wait_for_space(length)) {
        const bool woken = space_ready.wait(kWakeTimeoutMs);
        p.finish_wait();
        if (!woken) return 6;
      }
    }
    const uint64_t checksum = stream.checksum();
    while (p.write(kChecksumFrame, &checksum, sizeof checksum).code == Errc::kNoSpace) {
      if (p.prepare_wait_for_space(sizeof checksum)) {
        space_ready.wait(kWakeTimeoutMs);
        p.finish_wait();
      }
    }
    p.publish();
    return 0;
  });

  auto consumer = RingConsumer::attach(region.base(), region.ring(RingId::kStdioToHost), &space_ready);
  REQUIRE(consumer.ok());
  RingConsumer& c = consumer.value();
  FrameStream stream;
  uint8_t payload[4096];
  uint8_t expected[FrameStream::kMaxPayload];
  uint64_t frames = 0;
  uint64_t sent_checksum = 0;
  bool done = false;
  while (!done) {
    const auto frame = c.read(payload, sizeof payload);
    if (frame.ok()) {
      if (frame->type == kChecksumFrame) {
        std::memcpy(&sent_checksum, payload, sizeof sent_checksum);
        done = true;
        continue;
      }
      const uint32_t length = FrameStream::make(frames, expected);
      REQUIRE(frame->length == length);
      REQUIRE(std::memcmp(payload, expected, length) == 0);
      stream.add(payload, length);
      if (++frames % 32 == 0) c.release();
      continue;
    }
    REQUIRE(frame.status().code == Errc::kEmpty);
    if (c.prepare_wait()) {
      const bool woken = data_ready.wait(kWakeTimeoutMs);
      c.finish_wait();
      REQUIRE(woken);
    }
  }
  c.release();
  CHECK(child.wait() == 0);
  CHECK(frames == kFrames);
  CHECK(stream.checksum() == sent_checksum);
}

TEST_CASE("two processes exchange Envelopes both ways") {
  constexpr int kPings = 10'000;
  MemfdRegion region;
  EventFdNotifier to_host_ready;
  EventFdNotifier to_guest_ready;

  ChildProcess guest([&] {
    void* base = map_in_child(region);
    if (base == nullptr) return 2;
    const auto layout = validate_region(base, region.size());
    if (!layout.ok()) return 3;
    auto out = RingProducer::attach(base, *layout->find(RingId::kControlToHost), &to_host_ready);
    auto in = RingConsumer::attach(base, *layout->find(RingId::kControlToGuest), nullptr);
    if (!out.ok() || !in.ok()) return 4;
    protocol::EnvelopeWriter writer(out.value());
    protocol::EnvelopeReader reader(in.value());
    for (;;) {
      v1::Envelope request;
      const auto s = reader.read(&request);
      if (s.code == protocol::EnvelopeStatus::Code::kEmpty) {
        if (in->prepare_wait()) {
          const bool woken = to_guest_ready.wait(kWakeTimeoutMs);
          in->finish_wait();
          if (!woken) return 5;
        }
        continue;
      }
      if (!s.ok()) return 6;
      reader.release();
      if (request.has_shutdown()) return 0;
      v1::Envelope reply;
      reply.set_id(request.id() + 1'000'000);
      reply.set_reply_to(request.id());
      reply.mutable_pong()->set_nonce(request.ping().nonce());
      if (!writer.send(reply).ok()) return 7;
    }
  });

  auto out = RingProducer::attach(region.base(), region.ring(RingId::kControlToGuest), &to_guest_ready);
  auto in = RingConsumer::attach(region.base(), region.ring(RingId::kControlToHost), nullptr);
  REQUIRE(out.ok());
  REQUIRE(in.ok());
  protocol::EnvelopeWriter writer(out.value());
  protocol::EnvelopeReader reader(in.value());
  for (int i = 1; i <= kPings; ++i) {
    v1::Envelope ping;
    ping.set_id(i);
    ping.mutable_ping()->set_nonce(i * 31ull);
    REQUIRE(writer.send(ping).ok());
    v1::Envelope pong;
    for (;;) {
      const auto s = reader.read(&pong);
      if (s.ok()) break;
      REQUIRE(s.code == protocol::EnvelopeStatus::Code::kEmpty);
      if (in->prepare_wait()) {
        const bool woken = to_host_ready.wait(kWakeTimeoutMs);
        in->finish_wait();
        REQUIRE(woken);
      }
    }
    reader.release();
    REQUIRE(pong.reply_to() == static_cast<uint64_t>(i));
    REQUIRE(pong.pong().nonce() == i * 31ull);
  }
  v1::Envelope stop;
  stop.set_id(kPings + 1);
  stop.mutable_shutdown()->set_reason("test done");
  REQUIRE(writer.send(stop).ok());
  CHECK(guest.wait() == 0);
}
