// The host's ends of one guest's rings.
#include "orchestrator/guest_channel.h"

#include "protocol/describe.h"

namespace monocell {

std::unique_ptr<GuestChannel> GuestChannel::attach(Backend& backend, std::string* error) {
  // The backend's own layout: never re-read from memory the guest can write.
  const ring::RegionLayout& layout = backend.layout();
  void* base = backend.region();
  ring::Notifier* doorbell = &backend.guest_doorbell();
  // The backend formatted the region, so the host's own ends start at index 0 whatever the
  // guest has written there since; only the guest's indices are read, and checked.
  auto out = ring::RingProducer::attach_at(base, *layout.find(ring::RingId::kControlToGuest), doorbell, 0);
  auto in = ring::RingConsumer::attach_at(base, *layout.find(ring::RingId::kControlToHost), doorbell, 0);
  auto stdio = ring::RingConsumer::attach_at(base, *layout.find(ring::RingId::kStdioToHost), doorbell, 0);
  for (const ring::Status* s : {&out.status(), &in.status(), &stdio.status()}) {
    if (!s->ok()) {
      *error = "attaching the guest's rings: " + protocol::describe(*s);
      return nullptr;
    }
  }
  std::unique_ptr<GuestChannel> c(new GuestChannel());
  c->control_out_ = out.value();
  c->control_in_ = in.value();
  c->stdio_in_ = stdio.value();
  c->writer_ = std::make_unique<protocol::EnvelopeWriter>(c->control_out_);
  c->reader_ = std::make_unique<protocol::EnvelopeReader>(c->control_in_);
  c->output_buffer_.resize(layout.max_frame);
  return c;
}

protocol::EnvelopeStatus GuestChannel::stage(v1::Envelope message, uint64_t* id) {
  message.set_id(next_id_++);
  const auto s = writer_->write(message);
  if (id != nullptr) *id = s.ok() ? message.id() : 0;
  return s;
}

protocol::EnvelopeStatus GuestChannel::send(v1::Envelope message, uint64_t reply_to, uint64_t* id) {
  message.set_reply_to(reply_to);
  const auto s = stage(std::move(message), id);
  if (s.ok()) control_out_.publish();
  return s;
}

protocol::EnvelopeStatus GuestChannel::receive(v1::Envelope* message) { return reader_->read(message); }

ring::Status GuestChannel::read_output(Output* out) {
  const auto frame = stdio_in_.read(output_buffer_.data(), static_cast<uint32_t>(output_buffer_.size()));
  if (!frame.ok()) return frame.status();
  *out = Output{frame->type, output_buffer_.data(), frame->length};
  return ring::ok_status();
}

void GuestChannel::release() {
  control_in_.release();
  stdio_in_.release();
}

bool GuestChannel::prepare_sleep(bool with_output) {
  control_armed_ = control_in_.prepare_wait();
  if (!with_output) return control_armed_;
  stdio_armed_ = control_armed_ && stdio_in_.prepare_wait();
  return control_armed_ && stdio_armed_;
}

void GuestChannel::finish_sleep() {
  if (control_armed_) control_in_.finish_wait();
  if (stdio_armed_) stdio_in_.finish_wait();
  control_armed_ = stdio_armed_ = false;
}

bool answer_hello(const v1::Hello& hello, const GuestConfig& config, v1::Envelope* welcome, v1::Envelope* start,
                  std::string* why) {
  if (hello.protocol().min() > kProtocolVersion || hello.protocol().max() < kProtocolVersion) {
    *why = "the guest speaks protocol " + std::to_string(hello.protocol().min()) + ".." +
           std::to_string(hello.protocol().max()) + ", the host " + std::to_string(kProtocolVersion);
    return false;
  }
  welcome->mutable_welcome()->set_protocol_version(kProtocolVersion);
  for (const auto& f : hello.features()) {
    if (f == "stdio" || f == "calls" || f == "signals" || f == "stats") welcome->mutable_welcome()->add_features(f);
  }
  welcome->mutable_welcome()->set_guest_name(config.name);
  for (const auto& a : config.argv) start->mutable_start()->add_argv(a);
  for (const auto& e : config.env) start->mutable_start()->add_env(e);
  start->mutable_start()->set_cwd(config.cwd);
  return true;
}

}  // namespace monocell
