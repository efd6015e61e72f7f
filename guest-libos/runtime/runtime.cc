// The guest side of the control protocol.
#include "guest-libos/runtime/runtime.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>

#include "protocol/describe.h"

namespace monocell::runtime {
namespace {

uint64_t monotonic_ns(clockid_t clock = CLOCK_MONOTONIC) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(t.tv_nsec);
}


}  // namespace

std::unique_ptr<Runtime> Runtime::attach(std::unique_ptr<Platform> platform, std::string* why) {
  // The guest validates the header too: it trusts the host, not the memory's integrity.
  const auto layout = ring::validate_region(platform->region(), platform->region_size());
  if (!layout.ok()) {
    *why = "ring region: " + protocol::describe(layout.status());
    return nullptr;
  }
  std::unique_ptr<Runtime> rt(new Runtime(std::move(platform)));
  rt->started_ns_ = monotonic_ns();
  void* base = rt->platform_->region();
  ring::Notifier* doorbell = &rt->platform_->host_doorbell();
  auto out = ring::RingProducer::attach(base, *layout->find(ring::RingId::kControlToHost), doorbell);
  auto in = ring::RingConsumer::attach(base, *layout->find(ring::RingId::kControlToGuest), doorbell);
  auto stdio = ring::RingProducer::attach(base, *layout->find(ring::RingId::kStdioToHost), doorbell);
  for (const ring::Status* s : {&out.status(), &in.status(), &stdio.status()}) {
    if (!s->ok()) {
      *why = "attaching a ring: " + protocol::describe(*s);
      return nullptr;
    }
  }
  rt->control_out_ = out.value();
  rt->control_in_ = in.value();
  rt->stdio_out_ = stdio.value();
  rt->writer_ = std::make_unique<protocol::EnvelopeWriter>(rt->control_out_);
  rt->reader_ = std::make_unique<protocol::EnvelopeReader>(rt->control_in_);
  rt->platform_->capture_stdio(rt->stdio_out_);
  return rt;
}

bool Runtime::handshake(const app::App& app, StartRequest* start, std::string* why) {
  v1::Envelope hello;
  auto* h = hello.mutable_hello();
  h->mutable_protocol()->set_min(kProtocolVersion);
  h->mutable_protocol()->set_max(kProtocolVersion);
  for (const char* feature : {"stdio", "calls", "signals", "stats"}) h->add_features(feature);
  h->mutable_guest()->set_app_name(app.name);
  h->mutable_guest()->set_hypervisor(platform_->hypervisor());
  h->mutable_guest()->set_libos_version("monocell-runtime 0.1");
  h->mutable_guest()->set_vcpus(1);
  h->mutable_guest()->set_memory_bytes(platform_->memory_bytes());
  h->mutable_guest()->set_ring_abi_version(ring::kAbiVersion);
  send(hello, 0);

  bool welcomed = false;
  for (;;) {
    v1::Envelope e;
    const auto s = receive(&e, 30'000);
    if (!s.ok()) {
      *why = s.code == protocol::EnvelopeStatus::Code::kEmpty ? "the host sent no Welcome/Start in 30 s"
                                                               : "control ring: " + s.message();
      return false;
    }
    if (e.has_welcome()) {
      if (e.welcome().protocol_version() != kProtocolVersion) {
        *why = "host chose protocol " + std::to_string(e.welcome().protocol_version());
        return false;
      }
      welcomed = true;
    } else if (e.has_start() && welcomed) {
      start->argv.assign(e.start().argv().begin(), e.start().argv().end());
      start->env.assign(e.start().env().begin(), e.start().env().end());
      start->cwd = e.start().cwd();
      return true;
    } else if (e.has_error()) {
      *why = "host refused: " + e.error().message();
      return false;
    } else if (e.has_shutdown()) {
      *why = "host shut the guest down before Start";
      return false;
    }
    // Anything else before Start is ignored: the host has not seen Ready yet.
  }
}

void Runtime::send_ready() {
  if (ready_sent_) return;
  ready_sent_ = true;
  v1::Envelope ready;
  ready.mutable_ready()->set_startup_ns(monotonic_ns() - started_ns_);
  send(ready, 0);
}

int Runtime::serve(const app::App& app) {
  while (!stop_requested_) {
    v1::Envelope e;
    const auto s = receive(&e, -1);
    if (s.ok()) {
      batching_ = true;
      handle(app, e);
      poll(app);  // whatever else arrived is answered in the same batch, then published
    } else if (s.code != protocol::EnvelopeStatus::Code::kEmpty) {
      std::fprintf(stderr, "monocell runtime: control ring from the host is unusable: %s\n", s.message().c_str());
      host_broken_ = true;
      request_stop(125);
    }
  }
  return stop_code_;
}

void Runtime::poll(const app::App& app) {
  // Replies are staged and published together: one index store, and at most one doorbell
  // for the whole batch.
  batching_ = true;
  v1::Envelope e;
  while (!stop_requested_ && reader_->read(&e).ok()) {
    handle(app, e);
  }
  reader_->release();
  batching_ = false;
  control_out_.publish();
}

void Runtime::request_stop(int code) {
  if (stop_requested_) return;
  stop_requested_ = true;
  stop_code_ = code;
}

void Runtime::send_exit(int code) {
  platform_->flush_stdio();
  if (host_broken_) return;
  v1::Envelope exit;
  exit.mutable_exit()->set_code(code);
  send(exit, 0);
}

protocol::EnvelopeStatus Runtime::receive(v1::Envelope* envelope, int timeout_ms) {
  // Polling about as long as a wakeup costs keeps a busy exchange off the slow path, while an
  // idle guest still sleeps and costs the host nothing.
  const uint64_t spin_until = monotonic_ns() + platform_->spin_before_sleep_ns();
  for (;;) {
    auto s = reader_->read(envelope);
    if (s.code != protocol::EnvelopeStatus::Code::kEmpty) {
      reader_->release();
      return s;
    }
    if (monotonic_ns() < spin_until) {
      __builtin_ia32_pause();
      continue;
    }
    if (control_in_.prepare_wait()) {
      const bool woken = platform_->wait_for_host(timeout_ms);
      control_in_.finish_wait();
      if (!woken) return {protocol::EnvelopeStatus::Code::kEmpty};
    }
  }
}

void Runtime::send(v1::Envelope& envelope, uint64_t reply_to) {
  envelope.set_id(next_id_++);
  envelope.set_reply_to(reply_to);
  bool replaced = false;
  for (;;) {
    const auto s = batching_ ? writer_->write(envelope) : writer_->send(envelope);
    if (s.ok()) return;
    const bool too_large = s.code == protocol::EnvelopeStatus::Code::kRing && s.ring.code == ring::Errc::kFrameTooLarge;
    if (too_large && envelope.has_call_reply() && !replaced) {
      replaced = true;  // once: if even the short answer does not fit, it is reported below
      // The host waits for an answer: it gets one that fits, saying why the real one did not.
      const size_t size = envelope.ByteSizeLong();
      envelope.mutable_call_reply()->Clear();
      envelope.mutable_call_reply()->set_status(v1::CALL_STATUS_FAILED);
      envelope.mutable_call_reply()->set_message("the reply of " + std::to_string(size) +
                                                 " bytes is over the control ring's largest frame of " +
                                                 std::to_string(control_out_.max_frame()) + " bytes");
      continue;
    }
    if (s.code != protocol::EnvelopeStatus::Code::kRing || s.ring.code != ring::Errc::kNoSpace) {
      std::fprintf(stderr, "monocell runtime: cannot send %s: %s\n", protocol::body_name(envelope.body_case()),
                   s.message().c_str());
      return;
    }
    // The host drains the control ring continuously; wait for it to make room.
    if (control_out_.prepare_wait_for_space(static_cast<uint32_t>(envelope.ByteSizeLong()))) {
      platform_->wait_for_host(100);
      control_out_.finish_wait();
    }
  }
}

void Runtime::handle(const app::App& app, const v1::Envelope& request) {
  v1::Envelope reply;
  switch (request.body_case()) {
    case v1::Envelope::kCall: {
      auto* r = reply.mutable_call_reply();
      const auto handler = app.calls.find(request.call().method());
      if (handler == app.calls.end()) {
        r->set_status(v1::CALL_STATUS_UNKNOWN_METHOD);
        // Quoted in part: the reply must stay small whatever the caller sent. The cut falls
        // between UTF-8 characters (a string field that is not UTF-8 does not parse).
        constexpr size_t kQuoted = 200;
        const std::string& method = request.call().method();
        size_t cut = std::min(method.size(), kQuoted);
        while (cut < method.size() && cut > 0 && (static_cast<unsigned char>(method[cut]) & 0xC0) == 0x80) --cut;
        r->set_message("no handler for method \"" + method.substr(0, cut) + (cut < method.size() ? "...\"" : "\""));
      } else {
        try {
          app::CallResult result = handler->second(request.call().payload());
          r->set_status(result.status);
          r->set_payload(std::move(result.payload));
          r->set_message(std::move(result.message));
        } catch (const std::exception& e) {
          r->set_status(v1::CALL_STATUS_FAILED);
          r->set_message(e.what());
        }
      }
      send(reply, request.id());
      return;
    }
    case v1::Envelope::kSignal: {
      const int number = request.signal().number();
      if (app.on_signal) {
        app.on_signal(number);
        return;
      }
      // An app that set its own disposition (sigaction) gets the signal as from kill(1) on
      // Linux: its handler runs now, or nothing happens if it ignores the signal.
      struct sigaction current {};
      if (number > 0 && number < NSIG && sigaction(number, nullptr, &current) == 0 && current.sa_handler != SIG_DFL) {
        if (current.sa_handler != SIG_IGN) raise(number);
        return;
      }
      if (number == SIGTERM || number == SIGINT || number == SIGHUP) request_stop(128 + number);
      return;
    }
    case v1::Envelope::kStatsRequest:
      fill_stats(reply.mutable_stats());
      send(reply, request.id());
      return;
    case v1::Envelope::kPing:
      reply.mutable_pong()->set_nonce(request.ping().nonce());
      reply.mutable_pong()->set_sent_ns(request.ping().sent_ns());
      send(reply, request.id());
      return;
    case v1::Envelope::kShutdown:
      request_stop(0);
      return;
    case v1::Envelope::kError:
      std::fprintf(stderr, "monocell runtime: host reported: %s\n", request.error().message().c_str());
      return;
    case v1::Envelope::BODY_NOT_SET:
      return;  // a body from a newer host: tolerated
    default:
      reply.mutable_error()->set_code(v1::ERROR_CODE_PROTOCOL);
      reply.mutable_error()->set_message(std::string("unexpected ") + protocol::body_name(request.body_case()) +
                                         " after Start");
      send(reply, request.id());
      return;
  }
}

void Runtime::fill_stats(v1::Stats* stats) const {
  stats->set_uptime_ns(monotonic_ns() - started_ns_);
  stats->set_cpu_time_ns(monotonic_ns(CLOCK_PROCESS_CPUTIME_ID));
  stats->mutable_memory()->set_used_bytes(platform_->memory_bytes());
  protocol::add_ring_stats(stats, "control.to_host", control_out_.counters());
  protocol::add_ring_stats(stats, "control.to_guest", control_in_.counters());
  // stdio.to_host is left out: its producer may be another thread (the process platform's pump).
}

}  // namespace monocell::runtime
