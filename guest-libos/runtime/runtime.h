// The guest side of the control protocol: attaches to the ring region the platform gives,
// runs the handshake (Hello -> Welcome -> Start -> Ready), services the host while the app
// serves, and reports the app's Exit. One per process; the init drives it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "guest-libos/runtime/app.h"
#include "guest-libos/runtime/platform.h"
#include "protocol/envelope_ring.h"

namespace monocell::runtime {

inline constexpr uint32_t kProtocolVersion = 1;

// What the host sent in Start.
struct StartRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string cwd;
};

class Runtime {
 public:
  // Attaches to the platform's region; null with `why` if the region is unusable.
  static std::unique_ptr<Runtime> attach(std::unique_ptr<Platform> platform, std::string* why);
  ~Runtime() { platform_->flush_stdio(); }  // the stdio pump writes into stdio_out_

  // Hello -> Welcome -> Start. Fills `start`; false with `why` if the host broke off.
  bool handshake(const app::App& app, StartRequest* start, std::string* why);
  // Sends Ready, once: later calls do nothing.
  void send_ready();
  // Services the host until the app is asked to stop; returns the stop code.
  int serve(const app::App& app);
  // Services what has arrived, without waiting.
  void poll(const app::App& app);
  void request_stop(int code);
  bool stop_requested() const { return stop_requested_; }
  // Drains stdio, then sends Exit with `code`.
  void send_exit(int code);

 private:
  explicit Runtime(std::unique_ptr<Platform> platform) : platform_(std::move(platform)) {}
  // Waits up to `timeout_ms` (-1: no limit) for the next Envelope: spins briefly, then sleeps.
  protocol::EnvelopeStatus receive(v1::Envelope* envelope, int timeout_ms);
  void send(v1::Envelope& envelope, uint64_t reply_to);
  void handle(const app::App& app, const v1::Envelope& request);
  void fill_stats(v1::Stats* stats) const;

  std::unique_ptr<Platform> platform_;
  ring::RingProducer control_out_;
  ring::RingConsumer control_in_;
  ring::RingProducer stdio_out_;
  std::unique_ptr<protocol::EnvelopeWriter> writer_;
  std::unique_ptr<protocol::EnvelopeReader> reader_;
  uint64_t next_id_ = 1;
  uint64_t started_ns_ = 0;
  bool stop_requested_ = false;
  bool ready_sent_ = false;
  int stop_code_ = 0;
  bool host_broken_ = false;
  bool batching_ = false;  // send() stages; poll() publishes the batch
};

}  // namespace monocell::runtime
