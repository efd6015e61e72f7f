// Unit tests of the monitor's wait between two boots: it lasts its delay unless a client asks
// for a stop (Shutdown, or Signal KILL/TERM/INT/HUP) or a stop signal arrives, and it tells
// other requests that the guest is restarting.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "orchestrator/control_socket.h"
#include "orchestrator/restart_wait.h"
#include "tests/support/command.h"

using monocell::RestartWaitResult;
using monocell::wait_to_restart;
using monocell::testing::TempDir;

namespace {

struct Listener {
  TempDir dir;
  std::string path = dir.path() + "/control.sock";
  int fd = -1;
  Listener() {
    std::string error;
    fd = monocell::listen_control_socket(path, &error);
    INFO(error);
    REQUIRE(fd >= 0);
  }
  ~Listener() { close(fd); }
  int connect() const {
    std::string error;
    const int client = monocell::connect_control_socket(path, &error);
    INFO(error);
    REQUIRE(client >= 0);
    return client;
  }
};

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

TEST_CASE("the wait before a restart lasts its delay when nobody asks for a stop") {
  Listener listener;
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  CHECK(wait_to_restart(listener.fd, 150, "g", &error) == RestartWaitResult::kElapsed);
  CHECK(elapsed_ms(start) >= 150);
}

TEST_CASE("a Shutdown or a stopping Signal ends the wait at once; other signals do not") {
  for (const int number : {0, SIGKILL, SIGTERM, SIGINT, SIGHUP}) {
    INFO(number);
    Listener listener;
    const int client = listener.connect();
    monocell::v1::Envelope request;
    if (number == 0) {
      request.mutable_shutdown()->set_grace_period_ms(1000);
    } else {
      request.mutable_signal()->set_number(number);
    }
    std::string error;
    REQUIRE(monocell::send_envelope(client, request, &error));
    const auto start = std::chrono::steady_clock::now();
    CHECK(wait_to_restart(listener.fd, 10'000, "g", &error) == RestartWaitResult::kStopped);
    CHECK(elapsed_ms(start) < 5'000);
    close(client);
  }
  Listener listener;
  const int client = listener.connect();
  monocell::v1::Envelope usr1;
  usr1.mutable_signal()->set_number(SIGUSR1);
  std::string error;
  REQUIRE(monocell::send_envelope(client, usr1, &error));
  CHECK(wait_to_restart(listener.fd, 200, "g", &error) == RestartWaitResult::kElapsed);
  close(client);
}

TEST_CASE("a request to the guest during the wait is told it is restarting") {
  Listener listener;
  const int client = listener.connect();
  monocell::v1::Envelope call;
  call.set_id(7);
  call.mutable_call()->set_method("echo");
  std::string error;
  REQUIRE(monocell::send_envelope(client, call, &error));
  auto waited = std::async(std::launch::async, [&] {
    std::string wait_error;
    return wait_to_restart(listener.fd, 1000, "flaky", &wait_error);
  });
  monocell::v1::Envelope reply;
  REQUIRE(monocell::receive_envelope(client, &reply, &error));
  CHECK(reply.reply_to() == 7);
  CHECK(reply.call_reply().status() == monocell::v1::CALL_STATUS_UNAVAILABLE);
  CHECK_THAT(reply.call_reply().message(), Catch::Contains("flaky is restarting"));
  CHECK(waited.get() == RestartWaitResult::kElapsed);
  close(client);
}

TEST_CASE("a stop signal to the monitor ends the wait") {
  Listener listener;
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  REQUIRE(pthread_sigmask(SIG_BLOCK, &term, nullptr) == 0);
  kill(getpid(), SIGTERM);  // pending until the wait reads it
  std::string error;
  CHECK(wait_to_restart(listener.fd, 10'000, "g", &error) == RestartWaitResult::kStopped);
  pthread_sigmask(SIG_UNBLOCK, &term, nullptr);
}
