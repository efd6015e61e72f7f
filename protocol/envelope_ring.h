// Envelopes over a control ring: serialize one into a frame; copy one out of a frame, then
// parse it. Shared by the host and the guest runtime (it needs protobuf-lite, not a kernel).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/monocell.pb.h"
#include "protocol/ring/ring.h"

namespace monocell::protocol {

struct EnvelopeStatus {
  enum class Code {
    kOk,
    kEmpty,  // no frame waiting
    kRing,  // the ring reported `ring` (no space, too large, or a broken invariant)
    kWrongFrameType,  // a frame on the control ring that is not an Envelope
    kMalformed,  // the frame's bytes do not parse as an Envelope
  };
  Code code = Code::kOk;
  ring::Status ring{};
  uint32_t frame_type = 0;

  bool ok() const { return code == Code::kOk; }
  // True when the peer broke the protocol: the guest that did it is to be stopped.
  bool is_violation() const {
    return code == Code::kWrongFrameType || code == Code::kMalformed || (code == Code::kRing && ring.is_violation());
  }
  std::string message() const;
};

class EnvelopeWriter {
 public:
  explicit EnvelopeWriter(ring::RingProducer& ring) : ring_(&ring) {}

  // Stages one Envelope; visible to the peer after publish().
  EnvelopeStatus write(const v1::Envelope& envelope);
  // write() then publish().
  EnvelopeStatus send(const v1::Envelope& envelope);
  bool publish() { return ring_->publish(); }

 private:
  ring::RingProducer* ring_;
  std::string scratch_;
};

class EnvelopeReader {
 public:
  explicit EnvelopeReader(ring::RingConsumer& ring) : ring_(&ring), buffer_(ring.max_frame()) {}

  // Copies the next frame into private memory and parses it into `out`.
  EnvelopeStatus read(v1::Envelope* out);
  bool release() { return ring_->release(); }

 private:
  ring::RingConsumer* ring_;
  std::vector<uint8_t> buffer_;
};

// Copies one ring end's counters into a Stats message's ring entry named `ring_name`.
void add_ring_stats(v1::Stats* stats, const char* ring_name, const ring::RingCounters& counters);

}  // namespace monocell::protocol
