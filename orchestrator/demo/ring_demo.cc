// monocell-ring-demo: the host and a stand-in guest, two processes sharing a ring region in a
// memfd, run the control protocol (Hello, Welcome, Start, Ready, Call, Stats, Ping, Shutdown,
// Exit) and stream the guest's stdout, while the host prints every message that crosses.
// Each side sleeps on an eventfd the other notifies only when the sleeper asked for it.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "protocol/describe.h"
#include "protocol/envelope_ring.h"
#include "protocol/ring/eventfd_notifier.h"
#include "protocol/ring/memfd_region.h"

using namespace monocell;
using ring::RingId;

namespace {

constexpr int kWakeTimeoutMs = 5000;

// One side's ends of the region: Envelopes in and out, stdio in or out.
struct Side {
  ring::RingProducer control_out;
  ring::RingConsumer control_in;
  ring::RingProducer stdio_out;
  ring::RingConsumer stdio_in;
};

bool attach(void* base, const ring::RegionLayout& layout, bool host, ring::Notifier* wake_peer, Side* side,
            std::string* error) {
  const RingId out = host ? RingId::kControlToGuest : RingId::kControlToHost;
  const RingId in = host ? RingId::kControlToHost : RingId::kControlToGuest;
  const RingId stdio_out = host ? RingId::kStdioToGuest : RingId::kStdioToHost;
  const RingId stdio_in = host ? RingId::kStdioToHost : RingId::kStdioToGuest;
  auto a = ring::RingProducer::attach(base, *layout.find(out), wake_peer);
  auto b = ring::RingConsumer::attach(base, *layout.find(in), wake_peer);
  auto c = ring::RingProducer::attach(base, *layout.find(stdio_out), wake_peer);
  auto d = ring::RingConsumer::attach(base, *layout.find(stdio_in), wake_peer);
  for (const ring::Status* s : {&a.status(), &b.status(), &c.status(), &d.status()}) {
    if (!s->ok()) {
      *error = protocol::describe(*s);
      return false;
    }
  }
  *side = Side{a.value(), b.value(), c.value(), d.value()};
  return true;
}

// Sleeps until the peer notifies, unless a frame is already waiting on either input ring.
bool wait_for_input(Side& side, ring::EventFdNotifier& wake_me) {
  const bool control_idle = side.control_in.prepare_wait();
  const bool stdio_idle = control_idle && side.stdio_in.prepare_wait();
  bool woken = true;
  if (control_idle && stdio_idle) woken = wake_me.wait(kWakeTimeoutMs);
  if (control_idle) side.control_in.finish_wait();
  if (stdio_idle) side.stdio_in.finish_wait();
  return woken;
}

// ---- the stand-in guest: what the init will do once it runs inside a VM ----

uint64_t nanoseconds(const timespec& t) { return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

int run_guest(const ring::MemfdRegion& region, ring::EventFdNotifier& wake_host, ring::EventFdNotifier& wake_me) {
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  const uint64_t started_ns = nanoseconds(start);
  // Attach as a guest does: map, then validate the header it cannot trust either.
  void* base = mmap(nullptr, region.size(), PROT_READ | PROT_WRITE, MAP_SHARED, region.fd(), 0);
  if (base == MAP_FAILED) return 2;
  const auto layout = ring::validate_region(base, region.size());
  std::string error;
  Side side;
  if (!layout.ok() || !attach(base, layout.value(), false, &wake_host, &side, &error)) return 3;
  protocol::EnvelopeWriter out(side.control_out);
  protocol::EnvelopeReader in(side.control_in);
  uint64_t next_id = 1;

  auto send = [&](v1::Envelope e, uint64_t reply_to) {
    e.set_id(next_id++);
    e.set_reply_to(reply_to);
    return out.send(e).ok();
  };

  v1::Envelope hello;
  hello.mutable_hello()->mutable_protocol()->set_min(1);
  hello.mutable_hello()->mutable_protocol()->set_max(1);
  hello.mutable_hello()->add_features("stdio");
  hello.mutable_hello()->add_features("calls");
  hello.mutable_hello()->mutable_guest()->set_app_name("ring-demo");
  hello.mutable_hello()->mutable_guest()->set_hypervisor("process");
  hello.mutable_hello()->mutable_guest()->set_ring_abi_version(ring::kAbiVersion);
  if (!send(hello, 0)) return 4;

  for (;;) {
    v1::Envelope request;
    const auto s = in.read(&request);
    if (s.code == protocol::EnvelopeStatus::Code::kEmpty) {
      if (!wait_for_input(side, wake_me)) return 5;
      continue;
    }
    if (!s.ok()) return 6;
    in.release();
    v1::Envelope reply;
    switch (request.body_case()) {
      case v1::Envelope::kWelcome: break;
      case v1::Envelope::kStart: {
        std::string text = "hello from the guest process; argv:";
        for (const auto& arg : request.start().argv()) text += " " + arg;
        text += "\n";
        side.stdio_out.send(static_cast<uint32_t>(ring::FrameType::kStdout), text.data(),
                            static_cast<uint32_t>(text.size()));
        reply.mutable_ready()->set_startup_ns(0);
        if (!send(reply, request.id())) return 7;
        break;
      }
      case v1::Envelope::kCall:
        reply.mutable_call_reply()->set_status(request.call().method() == "echo" ? v1::CALL_STATUS_OK
                                                                                 : v1::CALL_STATUS_UNKNOWN_METHOD);
        reply.mutable_call_reply()->set_payload(request.call().payload());
        if (!send(reply, request.id())) return 7;
        break;
      case v1::Envelope::kPing:
        reply.mutable_pong()->set_nonce(request.ping().nonce());
        if (!send(reply, request.id())) return 7;
        break;
      case v1::Envelope::kStatsRequest: {
        auto* stats = reply.mutable_stats();
        timespec now{}, cpu{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
        stats->set_uptime_ns(nanoseconds(now) - started_ns);
        stats->set_cpu_time_ns(nanoseconds(cpu));
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        stats->mutable_memory()->set_used_bytes(static_cast<uint64_t>(usage.ru_maxrss) * 1024);  // peak RSS
        protocol::add_ring_stats(stats, "control.to_host", side.control_out.counters());
        protocol::add_ring_stats(stats, "control.to_guest", side.control_in.counters());
        protocol::add_ring_stats(stats, "stdio.to_host", side.stdio_out.counters());
        if (!send(reply, request.id())) return 7;
        break;
      }
      case v1::Envelope::kShutdown:
        reply.mutable_exit()->set_code(0);
        return send(reply, request.id()) ? 0 : 7;
      default: {
        reply.mutable_error()->set_code(v1::ERROR_CODE_UNSUPPORTED);
        reply.mutable_error()->set_message(std::string("unexpected ") + protocol::body_name(request.body_case()));
        if (!send(reply, request.id())) return 7;
      }
    }
  }
}

// ---- the host ----

class Host {
 public:
  Host(Side& side, ring::EventFdNotifier& wake_me) : side_(side), wake_me_(wake_me), out_(side.control_out),
                                                      in_(side.control_in), stdio_buffer_(side.stdio_in.max_frame()) {}

  bool send(v1::Envelope e, uint64_t reply_to = 0) {
    e.set_id(next_id_++);
    e.set_reply_to(reply_to);
    std::printf("host  -> guest  %s\n", protocol::describe(e).c_str());
    const auto s = out_.send(e);
    if (!s.ok()) std::fprintf(stderr, "monocell-ring-demo: send failed: %s\n", s.message().c_str());
    return s.ok();
  }

  // Waits for the next Envelope, printing guest output that arrives meanwhile.
  bool receive(v1::Envelope* e) {
    for (;;) {
      drain_stdio();
      const auto s = in_.read(e);
      if (s.ok()) {
        in_.release();
        std::printf("guest -> host   %s\n", protocol::describe(*e).c_str());
        return true;
      }
      if (s.code != protocol::EnvelopeStatus::Code::kEmpty) {
        std::fprintf(stderr, "monocell-ring-demo: guest broke the protocol: %s\n", s.message().c_str());
        return false;
      }
      if (!wait_for_input(side_, wake_me_)) {
        std::fprintf(stderr, "monocell-ring-demo: no message from the guest in %d ms\n", kWakeTimeoutMs);
        return false;
      }
    }
  }

 private:
  void drain_stdio() {
    for (;;) {
      const auto frame = side_.stdio_in.read(stdio_buffer_.data(), static_cast<uint32_t>(stdio_buffer_.size()));
      if (!frame.ok()) break;
      std::printf("guest stdout    %.*s", static_cast<int>(frame->length), stdio_buffer_.data());
    }
    side_.stdio_in.release();
  }

  Side& side_;
  ring::EventFdNotifier& wake_me_;
  protocol::EnvelopeWriter out_;
  protocol::EnvelopeReader in_;
  std::vector<char> stdio_buffer_;
  uint64_t next_id_ = 1;
};

int run_host(const ring::MemfdRegion& region, ring::EventFdNotifier& wake_guest, ring::EventFdNotifier& wake_me) {
  Side side;
  std::string error;
  if (!attach(region.base(), region.layout(), true, &wake_guest, &side, &error)) {
    std::fprintf(stderr, "monocell-ring-demo: %s\n", error.c_str());
    return 1;
  }
  Host host(side, wake_me);
  v1::Envelope e;
  if (!host.receive(&e) || !e.has_hello()) return 1;
  const uint64_t hello_id = e.id();

  v1::Envelope welcome;
  welcome.mutable_welcome()->set_protocol_version(1);
  welcome.mutable_welcome()->add_features("stdio");
  welcome.mutable_welcome()->set_guest_name("demo");
  v1::Envelope start;
  start.mutable_start()->add_argv("ring-demo");
  start.mutable_start()->add_argv("--greeting");
  start.mutable_start()->set_cwd("/");
  if (!host.send(welcome, hello_id) || !host.send(start)) return 1;
  if (!host.receive(&e) || !e.has_ready()) return 1;

  v1::Envelope call;
  call.mutable_call()->set_method("echo");
  call.mutable_call()->set_payload("ping over shared memory");
  v1::Envelope ping;
  ping.mutable_ping()->set_nonce(42);
  v1::Envelope stats;
  stats.mutable_stats_request();
  for (const v1::Envelope* request : {&call, &ping, &stats}) {
    if (!host.send(*request) || !host.receive(&e)) return 1;
  }
  for (const auto& r : e.stats().rings()) {
    std::printf("                 guest ring %-16s frames=%llu bytes=%llu notifications=%llu\n", r.ring().c_str(),
                static_cast<unsigned long long>(r.frames()), static_cast<unsigned long long>(r.bytes()),
                static_cast<unsigned long long>(r.notifications()));
  }

  v1::Envelope shutdown;
  shutdown.mutable_shutdown()->set_grace_period_ms(1000);
  shutdown.mutable_shutdown()->set_reason("demo finished");
  if (!host.send(shutdown) || !host.receive(&e) || !e.has_exit()) return 1;
  return e.exit().code();
}

}  // namespace

int main() {
  try {
    ring::MemfdRegion region;
    ring::EventFdNotifier wake_host;
    ring::EventFdNotifier wake_guest;
    std::printf("monocell-ring-demo: host pid %d, guest in a child process, %llu KiB region (ring ABI %u)\n",
                getpid(), static_cast<unsigned long long>(region.size() / 1024), ring::kAbiVersion);
    std::fflush(stdout);
    const pid_t guest = fork();
    if (guest < 0) {
      std::perror("monocell-ring-demo: fork");
      return 125;
    }
    if (guest == 0) _exit(run_guest(region, wake_host, wake_guest));

    const int host_code = run_host(region, wake_guest, wake_host);
    int status = 0;
    if (host_code != 0) kill(guest, SIGKILL);
    waitpid(guest, &status, 0);
    const int guest_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::printf("monocell-ring-demo: guest process exited with %d\n", guest_code);
    return host_code != 0 ? 125 : guest_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "monocell-ring-demo: %s\n", e.what());
    return 125;
  }
}
