// Envelopes over a control ring.
#include "protocol/envelope_ring.h"

#include "protocol/describe.h"

namespace monocell::protocol {

std::string EnvelopeStatus::message() const {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kEmpty: return "no envelope waiting";
    case Code::kRing: return describe(ring);
    case Code::kWrongFrameType:
      return "frame of type " + std::to_string(frame_type) + " on the control ring (expected an Envelope)";
    case Code::kMalformed: return "frame does not parse as a monocell.v1.Envelope";
  }
  return "unknown envelope status";
}

EnvelopeStatus EnvelopeWriter::write(const v1::Envelope& envelope) {
  const size_t size = envelope.ByteSizeLong();
  if (size > ring_->max_frame()) {
    return {EnvelopeStatus::Code::kRing, ring::error(ring::Errc::kFrameTooLarge, size, ring_->max_frame())};
  }
  scratch_.resize(size);
  envelope.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(scratch_.data()));
  const ring::Status s = ring_->write(static_cast<uint32_t>(ring::FrameType::kEnvelope), scratch_.data(),
                                      static_cast<uint32_t>(size));
  if (!s.ok()) return {EnvelopeStatus::Code::kRing, s};
  return {};
}

EnvelopeStatus EnvelopeWriter::send(const v1::Envelope& envelope) {
  EnvelopeStatus s = write(envelope);
  if (s.ok()) ring_->publish();
  return s;
}

EnvelopeStatus EnvelopeReader::read(v1::Envelope* out) {
  const auto frame = ring_->read(buffer_.data(), static_cast<uint32_t>(buffer_.size()));
  if (!frame.ok()) {
    if (frame.status().code == ring::Errc::kEmpty) return {EnvelopeStatus::Code::kEmpty};
    return {EnvelopeStatus::Code::kRing, frame.status()};
  }
  if (frame->type != static_cast<uint32_t>(ring::FrameType::kEnvelope)) {
    return {EnvelopeStatus::Code::kWrongFrameType, {}, frame->type};
  }
  // Parsed from our private copy: the peer cannot change the bytes under the parser.
  if (!out->ParseFromArray(buffer_.data(), static_cast<int>(frame->length))) {
    return {EnvelopeStatus::Code::kMalformed, {}, frame->type};
  }
  return {};
}

void add_ring_stats(v1::Stats* stats, const char* ring_name, const ring::RingCounters& counters) {
  v1::RingStats* r = stats->add_rings();
  r->set_ring(ring_name);
  r->set_frames(counters.frames);
  r->set_bytes(counters.bytes);
  r->set_publishes(counters.publishes);
  r->set_notifications(counters.notifications);
  r->set_sleeps(counters.sleeps);
}

}  // namespace monocell::protocol
