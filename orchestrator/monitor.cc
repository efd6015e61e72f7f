// The monitor: the host side of one guest's life.
#include "orchestrator/monitor.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <spdlog/spdlog.h>

#include "orchestrator/exit_codes.h"
#include "protocol/describe.h"

namespace monocell {
namespace {

// Frames handled per ring before the loop looks at its other inputs again, so a flooding
// guest cannot starve signals, timers or clients.
constexpr int kRingBudget = 256;

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

const char* phase_name(int phase) {
  static const char* names[] = {"booting", "starting", "running", "stopping", "exited"};
  return names[phase];
}

}  // namespace

void Monitor::block_stop_signals() {
  const sigset_t set = stop_signals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

Monitor::Monitor(const GuestConfig& config, Backend& backend, MonitorOptions options)
    : config_(config), backend_(backend), options_(options) {
  const sigset_t set = stop_signals();
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
}

Monitor::~Monitor() {
  for (const Client& c : clients_) close(c.fd);
  if (signal_fd_ >= 0) close(signal_fd_);
  if (timer_fd_ >= 0) close(timer_fd_);
}

int Monitor::run() {
  std::string error;
  if (signal_fd_ < 0 || timer_fd_ < 0) {
    spdlog::error("monitor: signalfd/timerfd: {}", std::strerror(errno));
    backend_.kill();
    backend_.end();
    return exit_code::kMonocellFailed;
  }
  channel_ = GuestChannel::attach(backend_, &error);
  if (!channel_) {
    spdlog::error("{}", error);
    backend_.kill();
    backend_.end();
    return exit_code::kMonocellFailed;
  }
  if (config_.timeout_s > 0) arm_timer(static_cast<uint64_t>(config_.timeout_s * 1000));

  for (;;) {
    const bool more = rings_usable_ && service_rings();
    // Sleep only if both rings agree they are empty after arming their waiting flags.
    const bool idle = !rings_usable_ || (!more && channel_->prepare_sleep());

    std::vector<pollfd> fds = {{backend_.host_wakeup_fd(), POLLIN, 0},
                               {backend_.end_fd(), POLLIN, 0},
                               {signal_fd_, POLLIN, 0},
                               {timer_fd_, POLLIN, 0},
                               {options_.control_listen_fd, POLLIN, 0}};
    for (const Client& c : clients_) fds.push_back({c.fd, POLLIN, 0});
    const int n = ::poll(fds.data(), fds.size(), idle ? -1 : 0);
    if (rings_usable_) channel_->finish_sleep();
    if (n < 0 && errno != EINTR) {
      spdlog::error("monitor: poll: {}", std::strerror(errno));
      stop_guest(exit_code::kMonocellFailed, "the monitor failed");
    }
    if (n <= 0) continue;

    if (fds[0].revents) backend_.consume_host_wakeup();
    if (fds[2].revents) {
      signalfd_siginfo info;
      while (read(signal_fd_, &info, sizeof info) == sizeof info) on_signal(static_cast<int>(info.ssi_signo));
    }
    if (fds[3].revents) on_timer();
    // Clients in the poll set first (backwards: dropping one keeps the lower indices), then
    // new connections, which join the next poll.
    for (size_t i = fds.size() - 5; i-- > 0;) {
      if (fds[5 + i].revents) service_client(i);
    }
    if (fds[4].revents) accept_clients();
    if (fds[1].revents) return finish();
  }
}

bool Monitor::service_rings() {
  const bool more_output = drain_stdio(kRingBudget);
  const bool more_messages = rings_usable_ && drain_control(kRingBudget);
  return more_output || more_messages;
}

bool Monitor::drain_stdio(int budget) {
  for (int i = 0; i < budget; ++i) {
    GuestChannel::Output output;
    const ring::Status s = channel_->read_output(&output);
    if (!s.ok()) {
      channel_->release();
      if (s.code != ring::Errc::kEmpty) guest_broke_protocol("stdio ring: " + protocol::describe(s));
      return false;
    }
    if (output.type == static_cast<uint32_t>(ring::FrameType::kStdout)) {
      if (stdout_open_) write_output(options_.stdout_fd, output.data, output.length);
    } else if (output.type == static_cast<uint32_t>(ring::FrameType::kStderr)) {
      if (stderr_open_) write_output(options_.stderr_fd, output.data, output.length);
    } else {
      channel_->release();
      guest_broke_protocol("stdio ring: frame of unknown type " + std::to_string(output.type));
      return false;
    }
  }
  channel_->release();
  return true;
}

bool Monitor::drain_control(int budget) {
  for (int i = 0; i < budget && rings_usable_; ++i) {
    v1::Envelope message;
    const auto s = channel_->receive(&message);
    if (s.code == protocol::EnvelopeStatus::Code::kEmpty) {
      channel_->release();
      return false;
    }
    if (!s.ok()) {
      channel_->release();
      guest_broke_protocol("control ring: " + s.message());
      return false;
    }
    spdlog::debug("guest {} -> host: {}", config_.name, protocol::describe(message));
    handle_guest_message(message);
  }
  channel_->release();
  return rings_usable_;
}

void Monitor::handle_guest_message(const v1::Envelope& message) {
  switch (message.body_case()) {
    case v1::Envelope::kHello: {
      if (phase_ != Phase::kAwaitHello) return guest_broke_protocol("a second Hello");
      v1::Envelope welcome;
      v1::Envelope start;
      std::string why;
      if (!answer_hello(message.hello(), config_, &welcome, &start, &why)) {
        v1::Envelope refusal;
        refusal.mutable_error()->set_code(v1::ERROR_CODE_VERSION_MISMATCH);
        refusal.mutable_error()->set_message(why);
        send_to_guest(refusal, message.id());
        return stop_guest(exit_code::kCannotRun, why);
      }
      send_to_guest(welcome, message.id());
      send_to_guest(start);
      started_ = true;
      set_phase(Phase::kAwaitReady);
      return;
    }
    case v1::Envelope::kReady:
      if (phase_ != Phase::kAwaitReady) return guest_broke_protocol("Ready before Start");
      spdlog::debug("guest {} ready after {} us", config_.name, message.ready().startup_ns() / 1000);
      set_phase(Phase::kRunning);
      return;
    case v1::Envelope::kExit:
      if (phase_ == Phase::kAwaitHello) return guest_broke_protocol("Exit before Hello");
      exit_ = message.exit();
      set_phase(Phase::kEnded);
      return;
    case v1::Envelope::kCallReply:
    case v1::Envelope::kStats:
    case v1::Envelope::kPong: {
      const auto pending = pending_.find(message.reply_to());
      if (pending == pending_.end()) {
        spdlog::warn("guest {} answered request #{}, which is not pending; ignored", config_.name, message.reply_to());
        return;
      }
      const PendingRequest request = pending->second;
      pending_.erase(pending);
      if (request.client_fd >= 0) reply_to_client(request.client_fd, request.client_id, message);
      return;
    }
    case v1::Envelope::kError:
      spdlog::warn("guest {} reported an error: {} ({})", config_.name, message.error().message(),
                   v1::ErrorCode_Name(message.error().code()));
      return;
    case v1::Envelope::BODY_NOT_SET:
      return;  // a body from a newer guest: tolerated
    default:
      return guest_broke_protocol(std::string("a ") + protocol::body_name(message.body_case()) +
                                  " message, which only the host sends");
  }
}

void Monitor::send_to_guest(v1::Envelope message, uint64_t reply_to, uint64_t* id) {
  if (!rings_usable_) return;
  const auto s = channel_->send(std::move(message), reply_to, id);
  if (s.ok()) return;
  if (s.code == protocol::EnvelopeStatus::Code::kRing && s.ring.is_violation()) {
    return guest_broke_protocol("control ring to the guest: " + s.message());
  }
  // A full ring means the guest stopped reading its control messages.
  spdlog::warn("guest {}: cannot send {}: {}", config_.name, protocol::body_name(message.body_case()), s.message());
}

void Monitor::on_signal(int number) {
  const char* name = sigabbrev_np(number);
  if (phase_ == Phase::kEnded) return;  // the guest already reported its Exit
  if (phase_ == Phase::kStopping) {
    spdlog::warn("guest {}: second SIG{} while stopping; killing it", config_.name, name);
    return stop_guest(exit_code::kSignalBase + SIGKILL, "killed after a second stop signal");
  }
  if (phase_ != Phase::kRunning) {
    return stop_guest(exit_code::kSignalBase + number, std::string("SIG") + name + " before the guest was running");
  }
  v1::Envelope signal_message;
  signal_message.mutable_signal()->set_number(number);
  begin_stop(signal_message, std::string("forwarded SIG") + name);
}

void Monitor::on_stop_request(uint32_t grace_ms) {
  if (phase_ == Phase::kStopping || phase_ == Phase::kEnded) return;
  if (phase_ != Phase::kRunning) return stop_guest(exit_code::kSignalBase + SIGKILL, "stopped before it was running");
  v1::Envelope shutdown;
  shutdown.mutable_shutdown()->set_grace_period_ms(grace_ms);
  shutdown.mutable_shutdown()->set_reason("monocell stop");
  begin_stop(shutdown, "asked it to shut down");
}

void Monitor::begin_stop(const v1::Envelope& request, const std::string& what) {
  const uint32_t grace_ms = request.has_shutdown() ? request.shutdown().grace_period_ms() : config_.grace_ms;
  send_to_guest(request);
  set_phase(Phase::kStopping);
  spdlog::info("guest {}: {}; killing it in {} ms unless it exits", config_.name, what, grace_ms);
  grace_timer_ = true;
  grace_ms_ = grace_ms;
  arm_timer(grace_ms);
}

void Monitor::on_timer() {
  uint64_t expirations;
  if (read(timer_fd_, &expirations, sizeof expirations) != sizeof expirations) return;
  if (grace_timer_) {
    stop_guest(exit_code::kSignalBase + SIGKILL,
               "the guest did not stop within its " + std::to_string(grace_ms_) + " ms grace period; killed");
  } else {
    stop_guest(exit_code::kTimeout, "the guest ran past its " + std::to_string(config_.timeout_s) + " s timeout; killed");
  }
}

void Monitor::accept_clients() {
  for (;;) {
    const int fd = accept4(options_.control_listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    clients_.push_back(Client{fd, {}});
  }
}

void Monitor::service_client(size_t index) {
  const auto filled = clients_[index].framer.fill(clients_[index].fd);
  v1::Envelope request;
  EnvelopeFramer::Result r;
  while ((r = clients_[index].framer.next(&request)) == EnvelopeFramer::Result::kEnvelope) {
    const int fd = clients_[index].fd;
    if (request.has_shutdown()) {
      // `monocell stop`: no reply; the client sees its connection close when the monitor ends.
      on_stop_request(request.shutdown().grace_period_ms());
      continue;
    }
    const bool forwardable = request.has_call() || request.has_stats_request() || request.has_ping();
    if (!forwardable) {
      v1::Envelope refusal;
      refusal.mutable_error()->set_code(v1::ERROR_CODE_UNSUPPORTED);
      refusal.mutable_error()->set_message(std::string("the monitor does not relay ") + protocol::body_name(request.body_case()));
      reply_to_client(fd, request.id(), refusal);
      continue;
    }
    if (phase_ != Phase::kRunning) {
      v1::Envelope refusal;
      refusal.mutable_call_reply()->set_status(v1::CALL_STATUS_UNAVAILABLE);
      refusal.mutable_call_reply()->set_message(std::string("guest ") + config_.name + " is " + phase_name(static_cast<int>(phase_)));
      reply_to_client(fd, request.id(), refusal);
      continue;
    }
    const uint64_t client_id = request.id();
    uint64_t guest_id = 0;
    send_to_guest(std::move(request), 0, &guest_id);
    if (guest_id != 0) pending_[guest_id] = PendingRequest{fd, client_id};
  }
  if (r == EnvelopeFramer::Result::kMalformed || filled == EnvelopeFramer::Result::kClosed ||
      filled == EnvelopeFramer::Result::kMalformed) {
    drop_client(index);
  }
}

void Monitor::drop_client(size_t index) {
  const int fd = clients_[index].fd;
  for (auto& [id, request] : pending_) {
    if (request.client_fd == fd) request.client_fd = -1;  // the reply, when it comes, is dropped
  }
  close(fd);
  clients_.erase(clients_.begin() + static_cast<long>(index));
}

void Monitor::reply_to_client(int fd, uint64_t client_id, v1::Envelope reply) {
  reply.set_reply_to(client_id);
  std::string error;
  if (!send_envelope(fd, reply, &error)) spdlog::debug("control client: {}", error);
}

int Monitor::finish() {
  // Everything the guest published before it ended is still in the rings: show it.
  while (rings_usable_ && service_rings()) {
  }
  const GuestEnd end = backend_.end();
  set_phase(Phase::kEnded);
  if (outcome_) return *outcome_;
  switch (end.kind) {
    case GuestEnd::Kind::kCannotStart:
      spdlog::error("guest {}: {}", config_.name, end.report);
      return end.code;
    case GuestEnd::Kind::kFault:
      spdlog::error("guest {} faulted: {}", config_.name, end.report);
      return exit_code::kGuestFault;
    case GuestEnd::Kind::kSignaled:
      spdlog::error("guest {}: {}", config_.name, end.report);
      return end.code;
    case GuestEnd::Kind::kExited:
      break;
  }
  if (exit_) {
    if (exit_->has_fault()) {
      const auto& f = exit_->fault();
      spdlog::error("guest {} faulted: {} (vector {}, error code {:#x}, rip {:#x}, address {:#x})", config_.name,
                    f.reason(), f.vector(), f.error_code(), f.rip(), f.address());
      return exit_code::kGuestFault;
    }
    return exit_->code() & 0xff;
  }
  if (!started_) {
    spdlog::error("guest {}: the app ended with code {} before the handshake; it cannot run under monocell",
                  config_.name, end.code);
    return exit_code::kCannotRun;
  }
  spdlog::warn("guest {} ended with code {} without reporting Exit", config_.name, end.code);
  return end.code;
}

void Monitor::stop_guest(int code, const std::string& message) {
  if (!outcome_) {
    outcome_ = code;
    spdlog::error("guest {}: {}", config_.name, message);
  }
  backend_.kill();
}

void Monitor::guest_broke_protocol(const std::string& what) {
  rings_usable_ = false;  // nothing more is read from or written to this guest's rings
  stop_guest(exit_code::kGuestFault, "broke the ring protocol (" + what + "); stopped");
}

void Monitor::arm_timer(uint64_t ms) {
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(ms / 1000);
  spec.it_value.tv_nsec = static_cast<long>((ms % 1000) * 1'000'000);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  timerfd_settime(timer_fd_, 0, &spec, nullptr);
}

void Monitor::set_phase(Phase phase) {
  phase_ = phase;
  if (options_.state != nullptr) options_.state->set_status(phase_name(static_cast<int>(phase)));
}

void Monitor::write_output(int fd, const uint8_t* data, uint32_t length) {
  while (length > 0) {
    const ssize_t n = write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 100);
        continue;
      }
      // The reader of our output went away: keep the guest running, drop its output.
      (fd == options_.stdout_fd ? stdout_open_ : stderr_open_) = false;
      return;
    }
    data += n;
    length -= static_cast<uint32_t>(n);
  }
}

}  // namespace monocell
