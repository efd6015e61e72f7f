// monocell-bench-ring: the ring's throughput and round-trip latency between two processes, each
// printed next to a baseline measured in the same run (memcpy, a unix socket) as a ratio of medians.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/bench/bench_rig.h"
#include "tests/bench/bench_stats.h"
#include "tests/bench/round_trip.h"
#include "tests/bench/ring_throughput.h"

namespace monocell::bench {
namespace {

// The region a real guest gets: 256 KiB per control ring, frames up to 64 KiB.
constexpr uint32_t kRingSize = 256 * 1024;
constexpr uint32_t kMaxFrame = 64 * 1024;
static_assert(ring::frame_span(kMaxFrame) <= kRingSize);

// Odd, so the median is one measured run. The ring and its baseline alternate within each run,
// so a noisy neighbour slows both rather than one.
constexpr int kRuns = 11;

// A small control message, about the size of an encoded Ping or Ready Envelope.
constexpr uint32_t kMessageSize = 64;
static_assert(kMessageSize >= kMinMessageSize);

constexpr double kTargetTput64kVsMemcpy = 0.5;  // at least
constexpr double kTargetRttPollVsUnix = 0.25;  // at most
constexpr double kTargetRttSleepVsUnix = 1.0;  // at most

struct ThroughputCase {
  const char* label;
  uint32_t frame_size;
  uint64_t frames;  // per run: 128 MiB at 4 KiB and up, 64 MiB at 64 B where frames cost more
};
constexpr ThroughputCase kThroughputCases[] = {
    {"64 B", 64, 1u << 20},
    {"4 KiB", 4096, 1u << 15},
    {"64 KiB", 65536, 1u << 11},
};
constexpr size_t kThroughputCaseCount = sizeof kThroughputCases / sizeof kThroughputCases[0];
static_assert(kThroughputCases[0].frame_size >= kMinMessageSize);
static_assert(kThroughputCases[kThroughputCaseCount - 1].frame_size == 64 * 1024, "the one with a target");

// Round trips per run: tens of milliseconds at each one's speed on a quiet machine, and the whole
// bench well under a minute on a busy one.
constexpr uint64_t kPolledRoundTrips = 50000;
constexpr uint64_t kSleepingRoundTrips = 3000;
constexpr uint64_t kUnixRoundTrips = 3000;

const char* verdict(bool met) { return met ? "PASS" : "MISS"; }

// A ratio for the summary line: three decimals, or three significant digits below 0.1.
std::string ratio_text(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, ratio >= 0.1 ? "%.3f" : "%.3g", ratio);
  return text;
}

std::string range(const Summary& s, const char* format) {
  char low[32];
  char high[32];
  std::snprintf(low, sizeof low, format, s.min);
  std::snprintf(high, sizeof high, format, s.max);
  return std::string("[") + low + " .. " + high + "]";
}

double measure_throughput() {
  std::vector<double> ring_gbps[kThroughputCaseCount];
  std::vector<double> memcpy_gbps[kThroughputCaseCount];
  std::vector<double> ceiling_gbps;  // 64 KiB only
  BenchRig rig(ring::RegionConfig{kRingSize, kRingSize, kMaxFrame, ring::kFeatureNeedWakeup});

  for (int run = -1; run < kRuns; ++run) {  // run -1 warms caches and clocks up, and is dropped
    for (size_t i = 0; i < kThroughputCaseCount; ++i) {
      const ThroughputCase& c = kThroughputCases[i];
      double ring_result;
      double memcpy_result;
      if (run % 2 == 0) {
        ring_result = ring_throughput_gbps(rig, c.frame_size, c.frames);
        memcpy_result = memcpy_throughput_gbps(c.frame_size, kRingSize, c.frames);
      } else {
        memcpy_result = memcpy_throughput_gbps(c.frame_size, kRingSize, c.frames);
        ring_result = ring_throughput_gbps(rig, c.frame_size, c.frames);
      }
      if (run < 0) continue;
      ring_gbps[i].push_back(ring_result);
      memcpy_gbps[i].push_back(memcpy_result);
    }
    const ThroughputCase& largest = kThroughputCases[kThroughputCaseCount - 1];
    const double ceiling = cross_core_copy_gbps(rig, largest.frame_size, kRingSize, largest.frames);
    if (run >= 0) ceiling_gbps.push_back(ceiling);
  }

  std::printf("throughput: payload GB/s (10^9 B/s), median of %d runs [min .. max]\n", kRuns);
  std::printf("  ring:    a child process writes frames into the %u KiB control-to-host ring, publishing\n"
              "           every %u KiB; the parent copies each out to private memory with read()\n",
              kRingSize / 1024, kRingSize / 8 / 1024);
  std::printf("  memcpy:  one thread copies the same frame-sized blocks out of a %u KiB buffer into\n"
              "           private memory (the consumer's copy alone: no producer, no second CPU)\n",
              kRingSize / 1024);
  std::printf("  ceiling: a child copies 64 KiB blocks into %u KiB of shared memory and the parent copies\n"
              "           them out, with bare counters: the rate at which lines cross between the CPUs\n",
              kRingSize / 1024);
  double ratio = 0;
  for (size_t i = 0; i < kThroughputCaseCount; ++i) {
    const Summary ring_summary = summarize(ring_gbps[i]);
    const Summary memcpy_summary = summarize(memcpy_gbps[i]);
    ratio = ring_summary.median / memcpy_summary.median;
    std::printf("  %-6s frames:  ring %6.2f %-16s memcpy %6.2f %-16s ring/memcpy %.3f\n",
                kThroughputCases[i].label, ring_summary.median, range(ring_summary, "%.2f").c_str(),
                memcpy_summary.median, range(memcpy_summary, "%.2f").c_str(), ratio);
  }
  // Context for the target: no ring between two CPUs beats the rate lines move between them.
  const Summary ceiling_summary = summarize(ceiling_gbps);
  std::printf("  64 KiB ceiling: %11.2f %-16s %29s ring/ceiling %.3f\n", ceiling_summary.median,
              range(ceiling_summary, "%.2f").c_str(), "",
              summarize(ring_gbps[kThroughputCaseCount - 1]).median / ceiling_summary.median);
  std::printf("  target: 64 KiB ring/memcpy >= %.2f: %s\n", kTargetTput64kVsMemcpy,
              verdict(ratio >= kTargetTput64kVsMemcpy));
  return ratio;
}

struct RoundTripRatios {
  double polled_vs_unix;
  double sleeping_vs_unix;
};

RoundTripRatios measure_round_trips() {
  std::vector<double> polled_ns;
  std::vector<double> sleeping_ns;
  std::vector<double> unix_ns;
  std::vector<double> sleep_shares;
  BenchRig rig(ring::RegionConfig{kRingSize, kRingSize, kMaxFrame, ring::kFeatureNeedWakeup});

  double sleep_share = 0;
  uint64_t missed_wakeups = 0;
  auto polled = [&] { return ring_round_trip(rig, RingWait::kBusyPoll, kMessageSize, kPolledRoundTrips).ns; };
  auto sleeping = [&] {
    const RingRoundTrip result = ring_round_trip(rig, RingWait::kSleep, kMessageSize, kSleepingRoundTrips);
    sleep_share = result.host_sleep_share;
    missed_wakeups += result.host_missed_wakeups;
    return result.ns;
  };
  auto unix_socket = [&] { return unix_round_trip_ns(kMessageSize, kUnixRoundTrips); };
  for (int run = -1; run < kRuns; ++run) {  // run -1 is a dropped warm-up
    // Rotate the order so no kind always runs first, or always right after the busy-polling one.
    double results[3];
    for (int k = 0; k < 3; ++k) {
      const int kind = (k + run + 3) % 3;
      results[kind] = kind == 0 ? polled() : kind == 1 ? sleeping() : unix_socket();
    }
    if (run < 0) continue;
    polled_ns.push_back(results[0]);
    sleeping_ns.push_back(results[1]);
    unix_ns.push_back(results[2]);
    sleep_shares.push_back(sleep_share);
  }

  const Summary polled_summary = summarize(polled_ns);
  const Summary sleeping_summary = summarize(sleeping_ns);
  const Summary unix_summary = summarize(unix_ns);
  const RoundTripRatios ratios{polled_summary.median / unix_summary.median,
                               sleeping_summary.median / unix_summary.median};
  std::printf("round trip: %u B ping-pong between two processes, ns, median of %d runs [min .. max]\n",
              kMessageSize, kRuns);
  std::printf("  ring, busy-polling:        %8.0f %-20s ring/unix %.3f  target <= %.2f: %s\n",
              polled_summary.median, range(polled_summary, "%.0f").c_str(), ratios.polled_vs_unix,
              kTargetRttPollVsUnix, verdict(ratios.polled_vs_unix <= kTargetRttPollVsUnix));
  std::printf("  ring, sleeping (eventfd):  %8.0f %-20s ring/unix %.3f  target <= %.2f: %s\n",
              sleeping_summary.median, range(sleeping_summary, "%.0f").c_str(), ratios.sleeping_vs_unix,
              kTargetRttSleepVsUnix, verdict(ratios.sleeping_vs_unix <= kTargetRttSleepVsUnix));
  std::printf("  unix socketpair, blocking: %8.0f %-20s\n", unix_summary.median,
              range(unix_summary, "%.0f").c_str());
  std::printf("  (sleeping: the host slept on its eventfd for %.0f%% of the replies, median; %llu replies\n"
              "   were found only after a sleep timed out, i.e. their wakeup came late or never)\n",
              100 * median_of(sleep_shares), static_cast<unsigned long long>(missed_wakeups));
  return ratios;
}

}  // namespace
}  // namespace monocell::bench

int main() {
  using namespace monocell::bench;
  try {
    const CpuPair cpus = CpuPair::pick();
    pin_to_cpu(cpus.parent);
    child_cpu() = cpus.child;
    if (cpus.pinned()) {
      std::printf("monocell-bench-ring: parent process on CPU %d, child process on CPU %d\n", cpus.parent,
                  cpus.child);
      // The figures need both CPUs to themselves: say so when other work was already running.
      double load = 0;
      if (getloadavg(&load, 1) == 1 && load >= 1.0) {
        std::printf("monocell-bench-ring: load average %.2f before starting: other work competes for the\n"
                    "  CPUs, so expect noisy figures (the [min .. max] ranges show how noisy)\n",
                    load);
      }
    } else {
      spin_by_yielding() = true;
      std::printf("monocell-bench-ring: one CPU available: both processes share it, polling yields\n");
    }
    const double tput64k_vs_memcpy = measure_throughput();
    const RoundTripRatios round_trips = measure_round_trips();
    std::printf("ring: tput64k_vs_memcpy=%s rtt_poll_vs_unix=%s rtt_sleep_vs_unix=%s\n",
                ratio_text(tput64k_vs_memcpy).c_str(), ratio_text(round_trips.polled_vs_unix).c_str(),
                ratio_text(round_trips.sleeping_vs_unix).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "monocell-bench-ring: %s\n", e.what());
    return 1;
  }
}
