// Round-trip latency of a ping-pong between two processes: over a ring pair, and over a socket.
#pragma once

#include <cstdint>

#include "tests/bench/bench_rig.h"

namespace monocell::bench {

// How a side waits for the next message on an empty ring.
enum class RingWait {
  kBusyPoll,  // spins on the producer index
  kSleep,  // need-wakeup: prepare_wait(), then sleeps on its eventfd until the producer notifies
};

struct RingRoundTrip {
  double ns = 0;  // mean per round trip
  double host_sleep_share = 0;  // of the replies, the share the host slept for (kSleep: near 1)
  uint64_t host_missed_wakeups = 0;  // replies found only after a 200 ms sleep timed out
};

// `round_trips` pings: the parent (the host) sends a `message_size` frame on control-to-guest,
// a child (the guest) copies it out and sends it back on control-to-host.
RingRoundTrip ring_round_trip(BenchRig& rig, RingWait wait, uint32_t message_size, uint64_t round_trips);

// The baseline: the same ping-pong over a blocking AF_UNIX SOCK_STREAM socketpair.
double unix_round_trip_ns(uint32_t message_size, uint64_t round_trips);

}  // namespace monocell::bench
