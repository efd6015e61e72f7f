// The monitor: the host side of one guest's life.
#include "orchestrator/monitor.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <spdlog/spdlog.h>

#include "hypervisors/common/fault_report.h"
#include "orchestrator/exit_codes.h"
#include "protocol/describe.h"

namespace monocell {
namespace {

// Frames handled per ring before the loop looks at its other inputs again, so a flooding
// guest cannot starve signals, timers or clients.
constexpr int kRingBudget = 256;
// After Exit the guest has this long to end before it is killed (its code still counts).
constexpr uint64_t kExitLingerMs = 2000;
// Control clients served at once; more wait in the listen backlog.
constexpr size_t kMaxClients = 64;
// Replies queued for a control client that reads slowly. Past the first, the monitor stops
// reading the client's requests until it has caught up; past the second, it is dropped.
constexpr size_t kClientReadPauseBytes = 256 << 10;
constexpr size_t kClientReplyLimitBytes = 16 << 20;
// Requests one client may have waiting for the guest's answer; past it, its requests are
// refused. A request waits for as long as its client stays (the client keeps its own timeout).
constexpr size_t kMaxPendingPerClient = 256;
// Ids of requests whose client left, remembered so that their late answers are dropped quietly.
constexpr size_t kMaxAbandonedRequests = 4096;
// Rounds of draining after the guest ended: what it published before ending, not more.
constexpr int kFinalDrainRounds = 64;
// An idle monitor looks this often for what a lost wakeup would leave behind (rings.h's
// consumer_sleeps_on_data, has_unread): rare work, and a stall becomes a delay and a warning.
constexpr int kLostWakeupCheckMs = 2000;
// Under systemd, while the app is not yet ready: each second in which the guest wrote anything
// extends the unit's start timeout by this much (EXTEND_TIMEOUT_USEC), so a slow boot that
// shows progress is waited for, and a silent, hung one still times out.
constexpr uint64_t kStartProgressTickMs = 1000;
constexpr uint64_t kStartExtendUsec = 5'000'000;
// At a stop, systemd's stop timeout is extended to the grace period and this much more.
constexpr uint64_t kStopExtendMarginMs = 5000;

constexpr itimerspec kDisarmed{};

// A timerfd that ticks every `ms`; -1 if none can be made.
int periodic_timer(uint64_t ms) {
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  itimerspec spec{};
  spec.it_interval.tv_sec = static_cast<time_t>(ms / 1000);
  spec.it_interval.tv_nsec = static_cast<long>((ms % 1000) * 1'000'000);
  spec.it_value = spec.it_interval;
  if (fd >= 0) timerfd_settime(fd, 0, &spec, nullptr);
  return fd;
}

// The answer to a request the monitor does not pass on to the guest.
v1::Envelope unavailable(const std::string& why) {
  v1::Envelope refusal;
  refusal.mutable_call_reply()->set_status(v1::CALL_STATUS_UNAVAILABLE);
  refusal.mutable_call_reply()->set_message(why);
  return refusal;
}

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
  // An ignored SIGCHLD inherited from whoever started us would make the kernel reap the
  // guest process itself, and its exit status would be lost.
  signal(SIGCHLD, SIG_DFL);
}

Monitor::Monitor(const GuestConfig& config, Backend& backend, MonitorOptions options)
    : config_(config),
      backend_(backend),
      options_(options),
      systemd_(options.systemd != nullptr ? *options.systemd : no_systemd_),
      output_(options.stdout_fd, options.stderr_fd, options.log, options.journal) {
  const sigset_t set = stop_signals();
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  deadline_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  grace_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (const uint64_t interval = systemd_.watchdog_interval_ms(); interval > 0) watchdog_fd_ = periodic_timer(interval);
  if (systemd_.active()) start_progress_fd_ = periodic_timer(kStartProgressTickMs);
  systemd_.send("MAINPID=" + std::to_string(getpid()) + "\nSTATUS=guest " + config_.name + " on " +
                config_.hypervisor + ": booting");
}

Monitor::~Monitor() {
  for (Client& c : clients_) {
    flush_replies(c);  // the last replies, as far as the socket takes them without waiting
    close(c.fd);
  }
  for (const int fd : {signal_fd_, deadline_fd_, grace_fd_, watchdog_fd_, start_progress_fd_}) {
    if (fd >= 0) close(fd);
  }
}

int Monitor::run() {
  std::string error;
  if (signal_fd_ < 0 || deadline_fd_ < 0 || grace_fd_ < 0 || output_.room_fd() < 0) {
    end_message_ = std::string("the monitor failed: signalfd/timerfd/eventfd: ") + std::strerror(errno);
    spdlog::error("monitor: signalfd/timerfd/eventfd: {}", std::strerror(errno));
    backend_.kill();
    backend_.end();
    return exit_code::kMonocellFailed;
  }
  channel_ = GuestChannel::attach(backend_, &error);
  if (!channel_) {
    // The host's own layout and indices cannot fail: the guest wrote impossible ones.
    end_message_ = "broke the ring protocol (" + error + "); stopped";
    spdlog::error("guest {} broke the ring protocol ({}); stopped", config_.name, error);
    backend_.kill();
    backend_.end();
    return exit_code::kGuestFault;
  }
  if (config_.timeout_s > 0) arm_timer(deadline_fd_, static_cast<uint64_t>(config_.timeout_s * 1000));

  enum : size_t { kWake, kEnd, kSignals, kDeadline, kGrace, kRoom, kWatchdog, kStartProgress, kListen, kFirstClient };
  for (;;) {
    const bool more = rings_usable_ && service_rings();
    // Sleep only if the rings agree they are empty after arming their waiting flags (the
    // output ring is left alone while the writer is full: room_fd wakes us for it).
    const bool idle = !rings_usable_ || (!more && channel_->prepare_sleep(!output_blocked_));

    std::vector<pollfd> fds = {{backend_.host_wakeup_fd(), POLLIN, 0},
                               {backend_.end_fd(), POLLIN, 0},
                               {signal_fd_, POLLIN, 0},
                               {deadline_fd_, POLLIN, 0},
                               {grace_fd_, POLLIN, 0},
                               {output_.room_fd(), POLLIN, 0},
                               {watchdog_fd_, POLLIN, 0},
                               {start_progress_fd_, POLLIN, 0},
                               {accepting_ ? options_.control_listen_fd : -1, POLLIN, 0}};
    for (const Client& c : clients_) {
      const size_t queued = c.replies.queued();
      const short events = static_cast<short>((queued < kClientReadPauseBytes ? POLLIN : 0) | (queued > 0 ? POLLOUT : 0));
      fds.push_back({c.fd, events, 0});
    }
    const int n = ::poll(fds.data(), fds.size(), !idle ? 0 : rings_usable_ ? kLostWakeupCheckMs : -1);
    if (rings_usable_ && idle && n == 0) check_lost_wakeups();
    if (rings_usable_) channel_->finish_sleep();
    if (n < 0 && errno != EINTR) {
      spdlog::error("monitor: poll: {}", std::strerror(errno));
      stop_guest(exit_code::kMonocellFailed, "the monitor failed");
    }
    if (n <= 0) continue;

    if (fds[kWake].revents) backend_.consume_host_wakeup();
    if (fds[kSignals].revents) {
      signalfd_siginfo info;
      while (read(signal_fd_, &info, sizeof info) == sizeof info) on_signal(static_cast<int>(info.ssi_signo));
    }
    if (fds[kDeadline].revents) on_deadline();
    if (fds[kGrace].revents) on_grace_timer();
    if (fds[kWatchdog].revents) on_watchdog_tick();
    if (fds[kStartProgress].revents) on_start_progress_tick();
    if (fds[kRoom].revents) {
      output_.consume_room_signal();
      output_blocked_ = false;
    }
    // Clients in the poll set first (backwards: dropping one keeps the lower indices), then
    // new connections, which join the next poll.
    for (size_t i = fds.size() - kFirstClient; i-- > 0;) {
      const short revents = fds[kFirstClient + i].revents;
      if (revents & POLLOUT) flush_replies(clients_[i]);
      if (revents & ~POLLOUT) service_client(i);
    }
    drop_gone_clients();
    if (fds[kListen].revents) accept_clients();
    if (fds[kEnd].revents) return finish();
  }
}

void Monitor::check_lost_wakeups() {
  const bool missed_by_host = channel_->unread_from_guest(!output_blocked_);
  const bool missed_by_guest = channel_->guest_sleeps_on_data();
  if (!missed_by_host && !missed_by_guest) return;
  ++lost_wakeups_;
  const char* what = missed_by_host ? "the guest published data and no doorbell woke the monitor"
                                    : "the guest sleeps with messages waiting for it; it is notified again";
  if (lost_wakeups_ == 1) {
    spdlog::warn("guest {}: a lost wakeup: {} (found by the idle check after {} ms)", config_.name, what,
                 kLostWakeupCheckMs);
  } else {
    spdlog::debug("guest {}: lost wakeup {}: {}", config_.name, lost_wakeups_, what);
  }
  if (missed_by_guest) backend_.guest_doorbell().notify();
}

bool Monitor::service_rings() {
  const bool more_output = drain_stdio(kRingBudget);
  const bool more_messages = rings_usable_ && drain_control(kRingBudget);
  return more_output || more_messages;
}

bool Monitor::drain_stdio(int budget) {
  for (int i = 0; i < budget; ++i) {
    if (!output_.has_room()) {
      // Our reader is slow: leave the rest in the ring, so the guest waits, not the monitor.
      output_blocked_ = true;
      break;
    }
    GuestChannel::Output output;
    const ring::Status s = channel_->read_output(&output);
    if (!s.ok()) {
      channel_->release();
      if (s.code != ring::Errc::kEmpty) guest_broke_protocol("stdio ring: " + protocol::describe(s));
      return false;
    }
    guest_spoke_ = true;
    if (output.type == static_cast<uint32_t>(ring::FrameType::kStdout)) {
      output_.write(false, output.data, output.length);
    } else if (output.type == static_cast<uint32_t>(ring::FrameType::kStderr)) {
      output_.write(true, output.data, output.length);
    } else {
      channel_->release();
      guest_broke_protocol("stdio ring: frame of unknown type " + std::to_string(output.type));
      return false;
    }
  }
  channel_->release();
  return !output_blocked_;
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
    guest_spoke_ = true;
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
      uint64_t start_id = 0;
      const size_t start_size = start.ByteSizeLong();
      send_to_guest(std::move(start), 0, &start_id);
      if (start_id == 0) {
        return stop_guest(exit_code::kCannotRun,
                          "the app's arguments and environment (" + std::to_string(start_size) +
                              " bytes encoded) do not fit in one control message of " +
                              std::to_string(backend_.layout().max_frame) + " bytes");
      }
      started_ = true;
      set_phase(Phase::kAwaitReady);
      return;
    }
    case v1::Envelope::kReady:
      if (phase_ == Phase::kAwaitHello) return guest_broke_protocol("Ready before Hello");
      if (phase_ != Phase::kAwaitReady) return guest_broke_protocol("a second Ready");
      spdlog::debug("guest {} ready after {} us", config_.name, message.ready().startup_ns() / 1000);
      set_phase(Phase::kRunning);
      return;
    case v1::Envelope::kExit:
      if (phase_ == Phase::kAwaitHello) return guest_broke_protocol("Exit before Hello");
      if (exit_) return guest_broke_protocol("a second Exit");
      exit_ = message.exit();
      on_exit_reported();
      return;
    case v1::Envelope::kPong:
      if (watchdog_ping_id_ != 0 && message.reply_to() == watchdog_ping_id_) return on_watchdog_pong();
      [[fallthrough]];
    case v1::Envelope::kCallReply:
    case v1::Envelope::kStats: {
      const auto pending = pending_.find(message.reply_to());
      if (pending == pending_.end()) {
        if (abandoned_.erase(message.reply_to()) == 0) {
          spdlog::debug("guest {} answered request #{}, which is not pending; ignored", config_.name,
                        message.reply_to());
        }
        return;
      }
      const PendingRequest request = pending->second;
      pending_.erase(pending);
      const auto client = find_client(request.client_fd);
      if (client != clients_.end()) {
        --client->pending;
        reply_to_client(request.client_fd, request.client_id, message);
      }
      return;
    }
    case v1::Envelope::kError:
      spdlog::warn("guest {} reported an error: {} ({})", config_.name, protocol::quoted(message.error().message()),
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
  if (id != nullptr) *id = 0;
  if (!rings_usable_) return;
  const char* body = protocol::body_name(message.body_case());
  const auto s = channel_->send(std::move(message), reply_to, id);
  if (s.ok()) return;
  if (s.code == protocol::EnvelopeStatus::Code::kRing && s.ring.is_violation()) {
    return guest_broke_protocol("control ring to the guest: " + s.message());
  }
  // A full ring means the guest stopped reading its control messages.
  spdlog::warn("guest {}: cannot send {}: {}", config_.name, body, s.message());
}

void Monitor::on_signal(int number) {
  stopped_by_user_ = true;
  const char* name = sigabbrev_np(number);
  if (phase_ == Phase::kEnded) {
    // It already said Exit and lingers: no need to wait any longer.
    killed_after_exit_ = true;
    backend_.kill();
    return;
  }
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
  stopped_by_user_ = true;
  if (phase_ == Phase::kStopping) return;
  if (phase_ == Phase::kEnded) {
    killed_after_exit_ = true;
    backend_.kill();
    return;
  }
  if (phase_ != Phase::kRunning) return stop_guest(exit_code::kSignalBase + SIGKILL, "stopped before it was running");
  v1::Envelope shutdown;
  shutdown.mutable_shutdown()->set_grace_period_ms(grace_ms);
  shutdown.mutable_shutdown()->set_reason("monocell stop");
  begin_stop(shutdown, "asked it to shut down");
}

void Monitor::on_kill_request(int number) {
  if (number == SIGKILL) {
    stopped_by_user_ = true;
    if (phase_ == Phase::kEnded) {
      killed_after_exit_ = true;  // it already said Exit: its code counts
      backend_.kill();
      return;
    }
    return stop_guest(exit_code::kSignalBase + SIGKILL, "killed (monocell kill)");
  }
  if (number == SIGINT || number == SIGTERM || number == SIGHUP) return on_signal(number);
  if (phase_ != Phase::kRunning) return;  // no app to deliver it to yet, or any more
  v1::Envelope signal_message;
  signal_message.mutable_signal()->set_number(number);
  send_to_guest(signal_message);
}

void Monitor::begin_stop(const v1::Envelope& request, const std::string& what) {
  const uint32_t grace_ms = request.has_shutdown() ? request.shutdown().grace_period_ms() : config_.grace_ms;
  send_to_guest(request);
  set_phase(Phase::kStopping);
  spdlog::info("guest {}: {}; killing it in {} ms unless it exits", config_.name, what, grace_ms);
  grace_ms_ = grace_ms;
  arm_timer(grace_fd_, grace_ms);
  // A grace period longer than the unit's TimeoutStopSec is still waited for.
  systemd_.send("EXTEND_TIMEOUT_USEC=" + std::to_string((grace_ms + kStopExtendMarginMs) * 1000));
}

void Monitor::on_watchdog_tick() {
  uint64_t expirations;
  if (read(watchdog_fd_, &expirations, sizeof expirations) != sizeof expirations) return;
  // Until the guest runs, systemd's start timeout watches it, not the watchdog.
  if (phase_ != Phase::kRunning || !rings_usable_) return;
  // Warned once per silence: a hung guest would otherwise fill the journal at every tick.
  if (watchdog_ping_id_ != 0 && !watchdog_warned_) {
    watchdog_warned_ = true;
    spdlog::warn("guest {}: no answer to the watchdog's Ping within {} ms; systemd's watchdog is not fed",
                 config_.name, systemd_.watchdog_interval_ms());
  }
  v1::Envelope ping;
  ping.mutable_ping()->set_nonce(++watchdog_pings_);
  send_to_guest(std::move(ping), 0, &watchdog_ping_id_);
}

void Monitor::on_start_progress_tick() {
  uint64_t expirations;
  if (read(start_progress_fd_, &expirations, sizeof expirations) != sizeof expirations) return;
  if (phase_ != Phase::kAwaitHello && phase_ != Phase::kAwaitReady) {
    timerfd_settime(start_progress_fd_, 0, &kDisarmed, nullptr);  // started (or ending): no more to extend
    return;
  }
  if (!guest_spoke_) return;
  guest_spoke_ = false;
  systemd_.send("EXTEND_TIMEOUT_USEC=" + std::to_string(kStartExtendUsec));
}

void Monitor::on_watchdog_pong() {
  watchdog_ping_id_ = 0;
  watchdog_warned_ = false;
  systemd_.send("WATCHDOG=1");
}

void Monitor::on_exit_reported() {
  set_phase(Phase::kEnded);
  arm_timer(grace_fd_, kExitLingerMs);
}

void Monitor::on_deadline() {
  uint64_t expirations;
  if (read(deadline_fd_, &expirations, sizeof expirations) != sizeof expirations) return;
  stop_guest(exit_code::kTimeout, "the guest ran past its " + std::to_string(config_.timeout_s) + " s timeout; killed");
}

void Monitor::on_grace_timer() {
  uint64_t expirations;
  if (read(grace_fd_, &expirations, sizeof expirations) != sizeof expirations) return;
  if (phase_ == Phase::kEnded) {
    spdlog::warn("guest {} reported Exit but was still running {} ms later; killed it", config_.name, kExitLingerMs);
    killed_after_exit_ = true;
    backend_.kill();
    return;
  }
  stop_guest(exit_code::kSignalBase + SIGKILL,
             "the guest did not stop within its " + std::to_string(grace_ms_) + " ms grace period; killed");
}

void Monitor::accept_clients() {
  while (clients_.size() < kMaxClients) {
    const int fd = accept4(options_.control_listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      // Out of fds: stop listening until a client leaves, rather than spin on a readable socket.
      if (errno == EMFILE || errno == ENFILE) accepting_ = false;
      return;
    }
    clients_.push_back(Client{fd, {}, {}, 0, false});
  }
  accepting_ = false;  // at the cap: the rest wait in the backlog
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
    if (request.has_signal()) {
      on_kill_request(static_cast<int>(request.signal().number()));  // no reply either
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
      reply_to_client(fd, request.id(),
                      unavailable(std::string("guest ") + config_.name + " is " + phase_name(static_cast<int>(phase_))));
      continue;
    }
    if (clients_[index].pending >= kMaxPendingPerClient) {
      reply_to_client(fd, request.id(),
                      unavailable(std::to_string(clients_[index].pending) + " requests of this client are waiting for guest " +
                                  config_.name + " to answer"));
      continue;
    }
    const uint64_t client_id = request.id();
    uint64_t guest_id = 0;
    send_to_guest(std::move(request), 0, &guest_id);
    if (guest_id != 0) {
      pending_[guest_id] = PendingRequest{fd, client_id};
      ++clients_[index].pending;
    } else {
      reply_to_client(fd, client_id,
                      unavailable("the request could not be passed to the guest (too large, or its ring is full)"));
    }
  }
  if (r == EnvelopeFramer::Result::kMalformed || filled == EnvelopeFramer::Result::kClosed ||
      filled == EnvelopeFramer::Result::kMalformed) {
    drop_client(index);
  }
}

void Monitor::flush_replies(Client& client) {
  if (client.gone) return;
  if (client.replies.flush(client.fd) == EnvelopeSendQueue::Result::kFailed) client.gone = true;
}

void Monitor::drop_gone_clients() {
  for (size_t i = clients_.size(); i-- > 0;) {
    if (clients_[i].gone) drop_client(i);
  }
}

void Monitor::drop_client(size_t index) {
  const int fd = clients_[index].fd;
  // Its requests are forgotten; their answers, if the guest still sends them, are dropped.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.client_fd != fd) {
      ++it;
      continue;
    }
    abandoned_.insert(it->first);
    if (abandoned_.size() > kMaxAbandonedRequests) abandoned_.erase(abandoned_.begin());  // the oldest
    it = pending_.erase(it);
  }
  close(fd);
  clients_.erase(clients_.begin() + static_cast<long>(index));
  accepting_ = true;
}

std::vector<Monitor::Client>::iterator Monitor::find_client(int fd) {
  return std::find_if(clients_.begin(), clients_.end(), [&](const Client& c) { return c.fd == fd; });
}

void Monitor::reply_to_client(int fd, uint64_t client_id, v1::Envelope reply) {
  const auto client = find_client(fd);
  if (client == clients_.end() || client->gone) return;  // it left; the reply has nowhere to go
  reply.set_reply_to(client_id);
  if (!client->replies.push(reply)) {
    spdlog::warn("guest {}: a reply of {} bytes is over the control socket's limit; the client is dropped",
                 config_.name, reply.ByteSizeLong());
    client->gone = true;
    return;
  }
  if (client->replies.queued() > kClientReplyLimitBytes) {
    spdlog::warn("guest {}: a control client left {} bytes of replies unread; it is dropped", config_.name,
                 client->replies.queued());
    client->gone = true;
    return;
  }
  flush_replies(*client);
}

int Monitor::finish() {
  // Everything the guest published before it ended is still in the rings: show it. Bounded,
  // in case something else still holds the region and keeps writing.
  for (int round = 0; round < kFinalDrainRounds && rings_usable_; ++round) {
    if (output_blocked_) {
      pollfd room{output_.room_fd(), POLLIN, 0};
      ::poll(&room, 1, -1);
      output_.consume_room_signal();
      output_blocked_ = false;
    }
    if (!service_rings() && !output_blocked_) break;
  }
  const GuestEnd end = backend_.end();
  set_phase(Phase::kEnded);
  note_late_stop_requests();
  if (outcome_) return *outcome_;
  switch (end.kind) {
    case GuestEnd::Kind::kCannotStart:
      end_message_ = end.report;
      spdlog::error("guest {}: {}", config_.name, end.report);
      return end.code;
    case GuestEnd::Kind::kFault:
      end_message_ = "faulted: " + end.report;
      spdlog::error("guest {} faulted: {}", config_.name, end.report);
      return end.code != 0 ? end.code : exit_code::kGuestFault;
    case GuestEnd::Kind::kSignaled:
      if (killed_after_exit_ && exit_) break;  // we killed it after its Exit: its code counts
      end_message_ = end.report;
      spdlog::error("guest {}: {}", config_.name, end.report);
      return end.code;
    case GuestEnd::Kind::kExited:
      break;
  }
  if (exit_) {
    if (exit_->has_fault()) {
      const auto& f = exit_->fault();
      end_message_ = "faulted: " + protocol::quoted(f.reason());
      spdlog::error("guest {} faulted: {} (vector {}, error code {:#x}, rip {:#x}, address {:#x})", config_.name,
                    protocol::quoted(f.reason()), f.vector(), f.error_code(), f.rip(), f.address());
      return 128 + fault::signal_for_vector(f.vector());
    }
    return exit_->code() & 0xff;
  }
  if (!started_) {
    end_message_ = "the app ended with code " + std::to_string(end.code) + " before the handshake; it cannot run under monocell";
    spdlog::error("guest {}: the app ended with code {} before the handshake; it cannot run under monocell",
                  config_.name, end.code);
    return exit_code::kCannotRun;
  }
  spdlog::warn("guest {} ended with code {} without reporting Exit", config_.name, end.code);
  return end.code;
}

void Monitor::note_late_stop_requests() {
  for (Client& client : clients_) {
    if (client.gone) continue;
    client.framer.fill(client.fd);
    v1::Envelope request;
    while (client.framer.next(&request) == EnvelopeFramer::Result::kEnvelope) {
      const int number = request.has_signal() ? static_cast<int>(request.signal().number()) : 0;
      if (request.has_shutdown() || number == SIGKILL || number == SIGTERM || number == SIGINT || number == SIGHUP) {
        stopped_by_user_ = true;
      }
    }
  }
}

void Monitor::stop_guest(int code, const std::string& message) {
  if (!outcome_) {
    outcome_ = code;
    end_message_ = message;
    spdlog::error("guest {}: {}", config_.name, message);
  }
  backend_.kill();
}

void Monitor::guest_broke_protocol(const std::string& what) {
  rings_usable_ = false;  // nothing more is read from or written to this guest's rings
  stop_guest(exit_code::kGuestFault, "broke the ring protocol (" + what + "); stopped");
}

void Monitor::arm_timer(int timer_fd, uint64_t ms) {
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(ms / 1000);
  spec.it_value.tv_nsec = static_cast<long>((ms % 1000) * 1'000'000);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  timerfd_settime(timer_fd, 0, &spec, nullptr);
}

void Monitor::set_phase(Phase phase) {
  phase_ = phase;
  // The status first: a detached start returns as soon as it has its byte, and what the user
  // runs next (ps, inspect) must already see the guest running.
  if (options_.state != nullptr) options_.state->set_status(phase_name(static_cast<int>(phase)));
  if (phase == Phase::kRunning) reached_running_ = true;
  if (phase == Phase::kRunning && options_.ready_fd >= 0) {
    const char running = 'R';
    [[maybe_unused]] const ssize_t n = write(options_.ready_fd, &running, 1);
    options_.ready_fd = -1;  // once: the starter has what it waited for
  }
  std::string text = "STATUS=guest " + config_.name + " on " + config_.hypervisor + ": " +
                     phase_name(static_cast<int>(phase));
  // READY only once the app inside the guest said it is ready (the runtime's Ready).
  if (phase == Phase::kRunning) text = "READY=1\n" + text;
  if (phase == Phase::kStopping) text = "STOPPING=1\n" + text;
  systemd_.send(text);
}

}  // namespace monocell
