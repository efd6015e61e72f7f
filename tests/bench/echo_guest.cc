// Driving an echo guest the way the monitor does, for the end-to-end benchmarks.
#include "tests/bench/echo_guest.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "orchestrator/app_resolver.h"
#include "orchestrator/backend_factory.h"

namespace monocell::bench {
namespace {

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "bench: echo guest: %s\n", why.c_str());
  std::exit(1);
}

v1::Envelope echo_call(const std::string& payload) {
  v1::Envelope call;
  call.mutable_call()->set_method("echo");
  call.mutable_call()->set_payload(payload);
  return call;
}

}  // namespace

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double time_command(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const double ms = seconds_since(start) * 1000;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -1;
}

EchoGuest::EchoGuest(const std::string& hypervisor) {
  config_.name = "bench-echo";
  config_.hypervisor = hypervisor;
  config_.app = "echo";
  config_.argv = {"echo"};
  std::string error;
  const auto resolved = resolve_app(hypervisor, "echo", &error);
  if (!resolved) fail(error);
  config_.image = resolved->path;
  backend_ = start_backend(config_, &error);
  if (!backend_) fail(error);
  channel_ = GuestChannel::attach(*backend_, &error);
  if (!channel_) fail(error);
  const v1::Envelope hello = next();
  v1::Envelope welcome;
  v1::Envelope start;
  if (!hello.has_hello() || !answer_hello(hello.hello(), config_, &welcome, &start, &error)) fail("no Hello: " + error);
  channel_->send(welcome, hello.id());
  channel_->send(start);
  if (!next().has_ready()) fail("no Ready");
}

EchoGuest::~EchoGuest() {
  backend_->kill();
  backend_->end();
}

v1::Envelope EchoGuest::next() {
  const auto spin_until = Clock::now() + std::chrono::microseconds(50);
  for (;;) {
    v1::Envelope e;
    const auto s = channel_->receive(&e);
    if (s.ok()) {
      channel_->release();
      return e;
    }
    if (s.code != protocol::EnvelopeStatus::Code::kEmpty) fail("control ring: " + s.message());
    GuestChannel::Output output;
    while (channel_->read_output(&output).ok()) {
    }
    channel_->release();
    if (Clock::now() < spin_until) continue;
    if (channel_->prepare_sleep()) {
      pollfd fds[2] = {{backend_->host_wakeup_fd(), POLLIN, 0}, {backend_->end_fd(), POLLIN, 0}};
      ::poll(fds, 2, 5000);
      if (fds[0].revents) backend_->consume_host_wakeup();
      if (fds[1].revents) fail("the guest ended");
    }
    channel_->finish_sleep();
  }
}

std::vector<double> call_round_trips_us(EchoGuest& guest, int count) {
  const std::string payload(64, 'p');
  std::vector<double> rtts;
  rtts.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    uint64_t id = 0;
    guest.channel().send(echo_call(payload), 0, &id);
    const v1::Envelope reply = guest.next();
    rtts.push_back(seconds_since(start) * 1e6);
    if (reply.reply_to() != id || reply.call_reply().payload() != payload) fail("wrong reply to call " + std::to_string(i));
  }
  return rtts;
}

double calls_per_second(EchoGuest& guest, int total, int window) {
  const std::string payload(64, 'p');
  const auto start = Clock::now();
  int sent = 0;
  int answered = 0;
  while (answered < total) {
    while (sent < total && sent - answered < window && guest.channel().stage(echo_call(payload)).ok()) ++sent;
    guest.channel().publish();
    if (guest.next().call_reply().payload() != payload) fail("wrong reply in the pipelined run");
    ++answered;
  }
  return total / seconds_since(start);
}

}  // namespace monocell::bench
