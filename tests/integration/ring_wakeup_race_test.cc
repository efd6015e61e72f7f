// The need-wakeup protocol's one race, run as a litmus test: a consumer going to sleep
// (waiting = 1; fence; is there a frame?) against a producer publishing (index = new; fence;
// is anyone waiting?). Each side stores one word and loads the other's, the store-buffering
// shape that x86 reorders without a full fence. If both loads see the old values, the consumer
// sleeps and the producer does not wake it: a lost wakeup. Two threads meet at a barrier and
// run the two sides at the same moment, many times over; the count of lost wakeups must be 0.
// (Without the fence in either side, x86 shows lost wakeups here within a few thousand rounds.)
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "tests/support/test_region.h"

using namespace monocell::ring;
using monocell::testing::TestRegion;

namespace {

constexpr RingId kRing = RingId::kControlToGuest;

// Two threads meet here once per phase; each phase number is reached by both before either goes on.
class Rendezvous {
 public:
  void meet(uint64_t phase) {
    arrivals_.fetch_add(1, std::memory_order_acq_rel);
    for (uint32_t spins = 0; arrivals_.load(std::memory_order_acquire) < 2 * phase; ++spins) {
      // Spin (the race wants both threads running at once), but give the CPU away when the
      // other thread is not running: on a busy machine they may share one.
      if (spins < 4096) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
      } else {
        std::this_thread::yield();
      }
    }
  }

 private:
  alignas(64) std::atomic<uint64_t> arrivals_{0};
};

struct Counts {
  uint64_t rounds = 0;
  uint64_t slept = 0;  // the consumer decided to sleep (the frame came too late for its check)
  uint64_t woken = 0;  // ... and the producer's publish saw it waiting
  uint64_t lost = 0;  // ... and it did not
};

Counts race(std::chrono::milliseconds duration, uint64_t max_rounds) {
  RegionConfig config;
  config.control_ring_size = 4096;
  config.stdio_ring_size = 4096;
  config.max_frame = 256;
  TestRegion region(config);
  RingProducer producer = region.producer(kRing);
  RingConsumer consumer = region.consumer(kRing);
  Rendezvous rendezvous;
  std::atomic<bool> stop{false};
  std::atomic<bool> producer_woke{false};
  std::atomic<bool> write_failed{false};  // (Catch2's REQUIRE is for the test's own thread)
  bool read_failed = false;
  Counts counts;

  std::thread producing([&] {
    const uint64_t v = 1;
    for (uint64_t round = 0;; ++round) {
      rendezvous.meet(3 * round + 1);
      if (stop.load(std::memory_order_relaxed)) return;
      if (!producer.write(1, &v, sizeof v).ok()) write_failed.store(true);
      producer_woke.store(producer.publish(), std::memory_order_relaxed);  // true: it saw waiting
      rendezvous.meet(3 * round + 2);
      rendezvous.meet(3 * round + 3);  // the consumer has drained the frame
    }
  });

  const auto until = std::chrono::steady_clock::now() + duration;
  for (uint64_t round = 0;; ++round) {
    const bool last = round >= max_rounds || std::chrono::steady_clock::now() >= until;
    if (last) stop.store(true, std::memory_order_relaxed);
    rendezvous.meet(3 * round + 1);
    if (last) break;
    const bool sleeps = consumer.prepare_wait();
    rendezvous.meet(3 * round + 2);
    if (sleeps) {
      ++counts.slept;
      if (producer_woke.load(std::memory_order_relaxed)) {
        ++counts.woken;
      } else {
        ++counts.lost;
      }
    }
    consumer.finish_wait();
    uint64_t v = 0;
    if (!consumer.read(&v, sizeof v).ok()) read_failed = true;  // reported once the producer has stopped
    consumer.release();
    ++counts.rounds;
    if (read_failed) stop.store(true, std::memory_order_relaxed);
    rendezvous.meet(3 * round + 3);
    if (read_failed) {
      rendezvous.meet(3 * (round + 1) + 1);  // the producer sees `stop` there and returns
      break;
    }
  }
  producing.join();
  REQUIRE_FALSE(write_failed.load());
  REQUIRE_FALSE(read_failed);
  return counts;
}

}  // namespace

TEST_CASE("need-wakeup: a publish racing a consumer going to sleep never loses the wakeup") {
  const Counts c = race(std::chrono::seconds(2), 2'000'000);
  INFO(c.rounds << " rounds: the consumer slept in " << c.slept << ", was woken in " << c.woken << ", lost in "
                << c.lost);
  CHECK(c.lost == 0);
  // The race was really run: the two sides overlapped often enough for the consumer to miss
  // the frame in its check (and be woken) in some rounds.
  CHECK(c.rounds > 1'000);
  CHECK(c.slept > 0);
}
