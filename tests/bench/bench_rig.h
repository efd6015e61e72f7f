// What every ring measurement shares, made once before any fork so each child inherits it: the
// region in shared memory, a start line, and one eventfd per side for the sleeping ping-pong.
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "protocol/ring/eventfd_notifier.h"
#include "protocol/ring/region.h"
#include "protocol/ring/ring.h"
#include "tests/bench/bench_process.h"

namespace monocell::bench {

// Frames carry a sequence number in their first and last 8 payload bytes, so a consumer can
// check cheaply that it got every frame, in order, whole.
inline constexpr uint32_t kMinMessageSize = 2 * sizeof(uint64_t);

inline void stamp_sequence(uint8_t* payload, uint32_t length, uint64_t sequence) {
  std::memcpy(payload, &sequence, sizeof sequence);
  std::memcpy(payload + length - sizeof sequence, &sequence, sizeof sequence);
}

// The two ends of a payload, as a consumer that parses a frame would touch them.
struct PayloadEnds {
  uint64_t first;
  uint64_t last;
};

inline PayloadEnds payload_ends(const uint8_t* payload, uint32_t length) {
  PayloadEnds ends;
  std::memcpy(&ends.first, payload, sizeof ends.first);
  std::memcpy(&ends.last, payload + length - sizeof ends.last, sizeof ends.last);
  return ends;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void fail_sequence(PayloadEnds ends, uint64_t expected,
                                                                  const char* what) {
  throw BenchFailure(std::string(what) + ": corrupt frame: expected sequence " + std::to_string(expected) +
                     ", got " + std::to_string(ends.first) + " at the start and " + std::to_string(ends.last) +
                     " at the end");
}

inline void check_sequence(const uint8_t* payload, uint32_t length, uint64_t expected, const char* what) {
  const PayloadEnds ends = payload_ends(payload, length);
  if (ends.first != expected || ends.last != expected) [[unlikely]] fail_sequence(ends, expected, what);
}

[[noreturn]] inline void fail_ring(const char* what, const ring::Status& status) {
  throw BenchFailure(std::string(what) + ": ring error: " + status.message() + " (value " +
                     std::to_string(status.value) + ", bound " + std::to_string(status.bound) + ")");
}

class BenchRig {
 public:
  explicit BenchRig(const ring::RegionConfig& config)
      : config_(config), region_(ring::region_size_for(config)), start_(sizeof(StartLine)) {
    new (start_.data()) StartLine;
    reset();
  }

  // Formats the region afresh and clears the start line: each run begins with empty rings.
  void reset() {
    const auto layout = ring::format_region(region_.data(), region_.size(), config_);
    if (!layout.ok()) fail_ring("format_region", layout.status());
    layout_ = layout.value();
    start_line().reset();
    host_wakeup_.wait(0);  // drop notifications a previous run left behind
    guest_wakeup_.wait(0);
  }

  ring::RingProducer producer(ring::RingId id, ring::Notifier* consumer_wakeup) const {
    auto producer = ring::RingProducer::attach(region_.data(), *layout_.find(id), consumer_wakeup);
    if (!producer.ok()) fail_ring("RingProducer::attach", producer.status());
    return producer.value();
  }

  ring::RingConsumer consumer(ring::RingId id, ring::Notifier* producer_wakeup) const {
    auto consumer = ring::RingConsumer::attach(region_.data(), *layout_.find(id), producer_wakeup);
    if (!consumer.ok()) fail_ring("RingConsumer::attach", consumer.status());
    return consumer.value();
  }

  StartLine& start_line() const { return *static_cast<StartLine*>(start_.data()); }
  ring::EventFdNotifier& host_wakeup() { return host_wakeup_; }  // the host (parent) sleeps on it
  ring::EventFdNotifier& guest_wakeup() { return guest_wakeup_; }  // the guest (child) sleeps on it

 private:
  ring::RegionConfig config_;
  SharedMapping region_;
  SharedMapping start_;
  ring::RegionLayout layout_;
  ring::EventFdNotifier host_wakeup_;
  ring::EventFdNotifier guest_wakeup_;
};

}  // namespace monocell::bench
