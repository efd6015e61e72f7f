// Driving an echo guest the way the monitor does, for the end-to-end benchmarks: a guest of the
// echo app on any hypervisor with its rings attached and the handshake done, Call round trips
// and a pipelined Call rate over those rings, and timing whole commands.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "hypervisors/backend.h"
#include "orchestrator/guest_channel.h"

namespace monocell::bench {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p);
double seconds_since(Clock::time_point start);

// Runs argv with stdout and stderr discarded; returns its wall time in ms, or -1 on failure.
double time_command(const std::vector<std::string>& argv);

// A guest running the echo app, driven directly over its rings, as the monitor does. Any
// failure ends the benchmark with a message.
class EchoGuest {
 public:
  explicit EchoGuest(const std::string& hypervisor);
  ~EchoGuest();

  GuestChannel& channel() { return *channel_; }
  // The next Envelope from the guest: spins briefly, then sleeps on the host doorbell.
  v1::Envelope next();

 private:
  GuestConfig config_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<GuestChannel> channel_;
};

// `count` sequential Calls of 64 bytes; each one's round trip in microseconds.
std::vector<double> call_round_trips_us(EchoGuest& guest, int count);
// Calls answered per second with up to `window` in flight.
double calls_per_second(EchoGuest& guest, int total, int window);

}  // namespace monocell::bench
