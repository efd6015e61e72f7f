// The monitor's wait between two boots of a guest.
#include "orchestrator/restart_wait.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <vector>

#include "orchestrator/control_socket.h"

namespace monocell {
namespace {

// Clients served at once during the wait; more wait in the listen backlog.
constexpr size_t kMaxClients = 64;

struct WaitingClient {
  int fd;
  EnvelopeFramer framer;
};

bool is_stop_signal(int number) {
  return number == SIGKILL || number == SIGTERM || number == SIGINT || number == SIGHUP;
}

// Answers what `client` sent; true if it asked for the guest to stop, false when it has nothing
// more, sent garbage or left (then its fd is closed and set to -1).
bool serve(WaitingClient& client, const std::string& guest_name) {
  const EnvelopeFramer::Result filled = client.framer.fill(client.fd);
  v1::Envelope request;
  EnvelopeFramer::Result r;
  while ((r = client.framer.next(&request)) == EnvelopeFramer::Result::kEnvelope) {
    if (request.has_shutdown()) return true;
    if (request.has_signal()) {
      if (is_stop_signal(request.signal().number())) return true;
      continue;  // no app to deliver it to until the next boot
    }
    v1::Envelope refusal;
    refusal.set_reply_to(request.id());
    refusal.mutable_call_reply()->set_status(v1::CALL_STATUS_UNAVAILABLE);
    refusal.mutable_call_reply()->set_message("guest " + guest_name + " is restarting (its restart policy)");
    std::string ignored;
    if (!send_envelope(client.fd, refusal, &ignored)) break;  // it left: dropped below
  }
  if (r != EnvelopeFramer::Result::kNeedMore || filled == EnvelopeFramer::Result::kClosed ||
      filled == EnvelopeFramer::Result::kMalformed) {
    close(client.fd);
    client.fd = -1;
  }
  return false;
}

}  // namespace

RestartWaitResult wait_to_restart(int control_listen_fd, uint64_t delay_ms, const std::string& guest_name,
                                  std::string* error) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    *error = std::string("signalfd: ") + std::strerror(errno);
    return RestartWaitResult::kFailed;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
  std::vector<WaitingClient> clients;
  RestartWaitResult result = RestartWaitResult::kElapsed;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    std::vector<pollfd> fds = {{signal_fd, POLLIN, 0},
                               {clients.size() < kMaxClients ? control_listen_fd : -1, POLLIN, 0}};
    for (const WaitingClient& c : clients) fds.push_back({c.fd, POLLIN, 0});
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (n < 0 && errno != EINTR) {
      *error = std::string("poll: ") + std::strerror(errno);
      result = RestartWaitResult::kFailed;
      break;
    }
    if (n <= 0) continue;
    if (fds[0].revents) {
      result = RestartWaitResult::kStopped;
      signalfd_siginfo info;
      while (read(signal_fd, &info, sizeof info) == sizeof info) {
      }
      break;
    }
    bool stop = false;
    for (size_t i = 0; i < clients.size(); ++i) {
      if (fds[2 + i].revents && serve(clients[i], guest_name)) stop = true;
    }
    std::erase_if(clients, [](const WaitingClient& c) { return c.fd < 0; });
    if (stop) {
      result = RestartWaitResult::kStopped;
      break;
    }
    if (fds[1].revents) {
      const int fd = accept4(control_listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) clients.push_back(WaitingClient{fd, {}});
    }
  }
  // A client that asked for the stop sees its connection close once the monitor is done with
  // the guest; closing here is that moment, as its end is recorded right after.
  for (const WaitingClient& c : clients) close(c.fd);
  close(signal_fd);
  return result;
}

}  // namespace monocell
