// The host's ends of one guest's rings: Envelopes to and from the guest, the guest's output,
// and the need-wakeup dance before the host sleeps. Everything read is checked (ring.h); a
// violation is reported to the caller, who stops the guest. Used by the monitor, and by
// anything else that drives a guest directly (benchmarks).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hypervisors/backend.h"
#include "protocol/envelope_ring.h"

namespace monocell {

inline constexpr uint32_t kProtocolVersion = 1;

class GuestChannel {
 public:
  // Attaches to the backend's region, freshly formatted by Backend::start, with the backend's
  // private layout. Null with `error` if the guest has already written indices that cannot be.
  static std::unique_ptr<GuestChannel> attach(Backend& backend, std::string* error);

  // Sends `message` with the next id and `reply_to`; `id`, if given, receives that id (0 if
  // the message was not sent).
  protocol::EnvelopeStatus send(v1::Envelope message, uint64_t reply_to = 0, uint64_t* id = nullptr);
  // Stages without publishing; publish() makes a batch visible with one notification.
  protocol::EnvelopeStatus stage(v1::Envelope message, uint64_t* id = nullptr);
  void publish() { control_out_.publish(); }
  // The next Envelope from the guest, if any (kEmpty if none).
  protocol::EnvelopeStatus receive(v1::Envelope* message);

  // The next output frame from the guest (its type is the guest's word: check it); kEmpty if
  // none. `out->data` stays valid until the next call.
  struct Output {
    uint32_t type = 0;
    const uint8_t* data = nullptr;
    uint32_t length = 0;
  };
  ring::Status read_output(Output* out);
  // Hands consumed space back to the guest (after a batch of receive/read_output).
  void release();

  // Before the host sleeps: true only if the rings from the guest are empty with their
  // waiting flags armed (the output ring only if `with_output`: the host may be holding off
  // reading it). Call finish_sleep() after waking either way.
  bool prepare_sleep(bool with_output = true);
  void finish_sleep();

  // What a lost wakeup leaves behind: frames from the guest that no doorbell announced, or
  // frames for the guest while it says it sleeps.
  // (The output ring only if `with_output`, as for prepare_sleep.)
  bool unread_from_guest(bool with_output) const {
    return control_in_.has_unread() || (with_output && stdio_in_.has_unread());
  }
  bool guest_sleeps_on_data() const { return control_out_.consumer_sleeps_on_data(); }

 private:
  GuestChannel() = default;

  ring::RingProducer control_out_;
  ring::RingConsumer control_in_;
  ring::RingConsumer stdio_in_;
  std::unique_ptr<protocol::EnvelopeWriter> writer_;
  std::unique_ptr<protocol::EnvelopeReader> reader_;
  std::vector<uint8_t> output_buffer_;
  uint64_t next_id_ = 1;
  bool control_armed_ = false;
  bool stdio_armed_ = false;
};

// Builds the host's answer to a guest's Hello: Welcome, then Start with the config's argv,
// env and cwd. False with `why` if the guest does not speak kProtocolVersion.
bool answer_hello(const v1::Hello& hello, const GuestConfig& config, v1::Envelope* welcome, v1::Envelope* start,
                  std::string* why);

}  // namespace monocell
