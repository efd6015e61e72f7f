// Ring and memcpy throughput, measured the way the host consumes a guest's frames.
#include "tests/bench/ring_throughput.h"

#include <atomic>
#include <cstring>
#include <new>
#include <vector>

namespace monocell::bench {
namespace {

using ring::Errc;
using ring::RingId;

constexpr uint32_t kFrameType = static_cast<uint32_t>(ring::FrameType::kEnvelope);
constexpr const char* kWhat = "ring throughput";

// Each side hands its index over once per eighth of the ring: the other side always has a
// batch to work on, and index cache lines bounce a few times per lap rather than per frame.
uint32_t handover_batch(uint32_t capacity) { return capacity / 8; }

// The child: writes `frames` stamped frames as fast as the ring takes them.
int produce_frames(BenchRig& rig, uint32_t frame_size, uint64_t frames) {
  ring::RingProducer producer = rig.producer(RingId::kControlToHost, nullptr);
  std::vector<uint8_t> payload(frame_size, 0xA5);
  const uint32_t batch = handover_batch(producer.capacity());
  rig.start_line().child_signal_ready();
  rig.start_line().child_wait_for_go();
  for (uint64_t sequence = 0; sequence < frames; ++sequence) {
    stamp_sequence(payload.data(), frame_size, sequence);
    ring::Status status;
    while ((status = producer.write(kFrameType, payload.data(), frame_size)).code == Errc::kNoSpace) {
      producer.publish();  // a full ring: let the consumer see everything staged, then wait
      cpu_relax();
    }
    if (!status.ok()) fail_ring("ring throughput producer", status);
    if (producer.staged_bytes() >= batch) producer.publish();
  }
  producer.publish();
  return 0;
}

}  // namespace

double ring_throughput_gbps(BenchRig& rig, uint32_t frame_size, uint64_t frames) {
  rig.reset();
  ChildProcess guest([&] { return produce_frames(rig, frame_size, frames); });
  PeerWatch watch(guest, kWhat);
  ring::RingConsumer consumer = rig.consumer(RingId::kControlToHost, nullptr);
  // Private memory, as the host parses frames. Frames land in the two copies in turn, and each is
  // checked one frame later: a load right after the copy would stall on store forwarding (5 ns
  // a frame here at 64 B) and measure the check, not the ring.
  std::vector<uint8_t> frame_copies[2] = {std::vector<uint8_t>(consumer.max_frame()),
                                          std::vector<uint8_t>(consumer.max_frame())};
  const uint32_t batch = handover_batch(consumer.capacity());
  const uint32_t span = static_cast<uint32_t>(ring::frame_span(frame_size));

  rig.start_line().parent_wait_until_ready(watch);
  const uint64_t start = now_ns();
  rig.start_line().parent_go();
  uint32_t unreleased = 0;
  for (uint64_t sequence = 0; sequence < frames;) {
    uint8_t* frame_copy = frame_copies[sequence % 2].data();
    const ring::Result<ring::Frame> frame = consumer.read(frame_copy, consumer.max_frame());
    if (frame.ok()) {
      if (frame->length != frame_size || frame->type != kFrameType) {
        throw BenchFailure(std::string(kWhat) + ": frame " + std::to_string(sequence) + " has length " +
                           std::to_string(frame->length) + " and type " + std::to_string(frame->type) +
                           ", expected " + std::to_string(frame_size) + " and " + std::to_string(kFrameType));
      }
      if (sequence > 0) check_sequence(frame_copies[(sequence - 1) % 2].data(), frame_size, sequence - 1, kWhat);
      ++sequence;
      unreleased += span;
      if (unreleased >= batch) {
        consumer.release();
        unreleased = 0;
      }
    } else if (frame.status().code == Errc::kEmpty) {
      consumer.release();  // an empty ring: hand back all space before waiting
      unreleased = 0;
      watch.spin();
    } else {
      fail_ring(kWhat, frame.status());
    }
  }
  consumer.release();
  check_sequence(frame_copies[(frames - 1) % 2].data(), frame_size, frames - 1, kWhat);
  const uint64_t elapsed = now_ns() - start;
  guest.expect_success(kWhat);
  return double(frame_size) * double(frames) / double(elapsed);
}

double memcpy_throughput_gbps(uint32_t frame_size, uint32_t ring_size, uint64_t frames) {
  std::vector<uint8_t> source(ring_size, 0x5A);
  // Two destinations used in turn, like the consumer's two frame copies.
  std::vector<uint8_t> destinations[2] = {std::vector<uint8_t>(frame_size), std::vector<uint8_t>(frame_size)};
  const uint32_t span = static_cast<uint32_t>(ring::frame_span(frame_size));
  uint32_t position = sizeof(ring::FrameHeader);  // payloads sit after their headers, as in the ring

  const uint64_t start = now_ns();
  for (uint64_t i = 0; i < frames; ++i) {
    // Split at the end of the buffer exactly where the ring splits a wrapping payload.
    const uint32_t offset = position & (ring_size - 1);
    const uint32_t first = frame_size < ring_size - offset ? frame_size : ring_size - offset;
    uint8_t* destination = destinations[i % 2].data();
    std::memcpy(destination, source.data() + offset, first);
    if (first < frame_size) std::memcpy(destination + first, source.data(), frame_size - first);
    asm volatile("" : : "r"(destination) : "memory");  // the copy counts: keep it
    position += span;
  }
  const uint64_t elapsed = now_ns() - start;
  return double(frame_size) * double(frames) / double(elapsed);
}

namespace {

// The bare handover: a block counter per side, each on its own cache line, then the blocks.
struct CrossCoreCounters {
  alignas(ring::kCacheLine) std::atomic<uint64_t> produced{0};
  alignas(ring::kCacheLine) std::atomic<uint64_t> consumed{0};
};

}  // namespace

double cross_core_copy_gbps(BenchRig& rig, uint32_t block_size, uint32_t buffer_size, uint64_t blocks) {
  const uint32_t slots = buffer_size / block_size;
  SharedMapping shared(sizeof(CrossCoreCounters) + buffer_size);
  auto* counters = new (shared.data()) CrossCoreCounters;
  uint8_t* buffer = static_cast<uint8_t*>(shared.data()) + sizeof(CrossCoreCounters);
  rig.reset();

  ChildProcess producer([&] {
    std::vector<uint8_t> block(block_size, 0xA5);
    rig.start_line().child_signal_ready();
    rig.start_line().child_wait_for_go();
    for (uint64_t i = 0; i < blocks; ++i) {
      while (i - counters->consumed.load(std::memory_order_acquire) >= slots) cpu_relax();
      std::memcpy(buffer + (i % slots) * block_size, block.data(), block_size);
      counters->produced.store(i + 1, std::memory_order_release);
    }
    return 0;
  });
  PeerWatch watch(producer, "cross-core copy");
  std::vector<uint8_t> copies[2] = {std::vector<uint8_t>(block_size), std::vector<uint8_t>(block_size)};

  rig.start_line().parent_wait_until_ready(watch);
  const uint64_t start = now_ns();
  rig.start_line().parent_go();
  for (uint64_t i = 0; i < blocks; ++i) {
    while (counters->produced.load(std::memory_order_acquire) <= i) watch.spin();
    std::memcpy(copies[i % 2].data(), buffer + (i % slots) * block_size, block_size);
    counters->consumed.store(i + 1, std::memory_order_release);
  }
  const uint64_t elapsed = now_ns() - start;
  producer.expect_success("cross-core copy");
  if (copies[0][0] != 0xA5 || copies[1][block_size - 1] != 0xA5) throw BenchFailure("cross-core copy: corrupt block");
  return double(block_size) * double(blocks) / double(elapsed);
}

}  // namespace monocell::bench
