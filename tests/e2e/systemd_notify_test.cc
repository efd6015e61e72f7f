// End-to-end tests of `monocell run` under systemd's notification protocol: the test plays
// systemd's side (a datagram socket in NOTIFY_SOCKET, WATCHDOG_USEC) and checks what a unit
// of Type=notify would be told: READY=1 only once the app inside the guest says it is ready,
// STOPPING=1 at a stop, and WATCHDOG=1 only while the guest answers the monitor's Pings.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/command.h"
#include "tests/support/test_hypervisors.h"

using monocell::testing::Command;
using monocell::testing::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

std::string app_path(const std::string& hypervisor, const std::string& name) {
  return (hypervisor == "process" ? std::string(TEST_APP_DIR) : std::string(MONOCELL_IMAGE_DIR)) + "/" + name;
}

// systemd's end of NOTIFY_SOCKET: every notification, with when it came.
class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof address.sun_path);
    std::memcpy(address.sun_path, path.c_str(), path.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~FakeSystemd() { ::close(fd_); }

  // The next notification within `timeout_ms`, or "" when none came.
  std::string next(int timeout_ms) {
    pollfd readable{fd_, POLLIN, 0};
    if (::poll(&readable, 1, timeout_ms) <= 0) return "";
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  }
  // Waits for a notification holding `line`; returns how long it took, or -1 ms if it did not come.
  std::chrono::milliseconds wait_for(const std::string& line, int timeout_ms, std::vector<std::string>* seen) {
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      const std::string text = next(left > 0 ? left : 0);
      if (text.empty()) continue;
      seen->push_back(text);
      if (("\n" + text + "\n").find("\n" + line + "\n") != std::string::npos) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      }
    }
    return std::chrono::milliseconds(-1);
  }
  // How many notifications holding `line` arrive within `ms`.
  int count(const std::string& line, int ms) {
    int found = 0;
    const auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < deadline) {
      const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      const std::string text = next(left > 0 ? left : 0);
      if (("\n" + text + "\n").find("\n" + line + "\n") != std::string::npos) ++found;
    }
    return found;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

std::string joined(const std::vector<std::string>& seen) {
  std::string all;
  for (const std::string& s : seen) all += "[" + s + "] ";
  return all;
}

}  // namespace

TEST_CASE("under systemd, READY=1 comes when the app in the guest is ready, STOPPING=1 at a stop") {
  for (const std::string& hypervisor : monocell::testing::test_hypervisors()) {
    INFO("hypervisor " << hypervisor);
    TempDir dir;
    FakeSystemd systemd(dir.path() + "/notify");
    Command run({MONOCELL_BIN, "run", "--hypervisor", hypervisor, "--name", "notified", app_path(hypervisor, "test-ready"),
                 "700"},
                {"MONOCELL_STATE_DIR=" + dir.path() + "/state", "NOTIFY_SOCKET=" + dir.path() + "/notify"});
    std::vector<std::string> seen;
    const auto started = Clock::now();
    const auto ready_after = systemd.wait_for("READY=1", 30'000, &seen);
    const auto since_start = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    INFO("notifications: " << joined(seen));
    REQUIRE(ready_after.count() >= 0);
    // The app prepares for 700 ms before it calls ready(): READY=1 cannot come before.
    CHECK(since_start.count() >= 700);
    CHECK(joined(seen).find("MAINPID=" + std::to_string(run.pid())) != std::string::npos);
    CHECK(joined(seen).find("STATUS=guest notified on " + hypervisor + ": running") != std::string::npos);
    run.signal(SIGTERM);  // as systemd stops a unit
    CHECK(systemd.wait_for("STOPPING=1", 30'000, &seen).count() >= 0);
    const auto result = run.wait(60'000);
    CHECK(result.exit_code == 143);  // the app's own end of a SIGTERM from the host
    CHECK(result.out.find("ready\n") != std::string::npos);
  }
}

TEST_CASE("under systemd's watchdog, WATCHDOG=1 flows while the guest answers, and stops when it hangs") {
  for (const std::string& hypervisor : monocell::testing::test_hypervisors()) {
    INFO("hypervisor " << hypervisor);
    for (const bool hang : {false, true}) {
      INFO((hang ? "a hung app" : "a healthy app"));
      TempDir dir;
      FakeSystemd systemd(dir.path() + "/notify");
      std::vector<std::string> args = {MONOCELL_BIN, "run", "--hypervisor", hypervisor, "--name", "watched",
                                       "--grace-period", "1", app_path(hypervisor, "test-ready"), "0"};
      if (hang) args.push_back("hang");
      Command run(args, {"MONOCELL_STATE_DIR=" + dir.path() + "/state", "NOTIFY_SOCKET=" + dir.path() + "/notify",
                         "WATCHDOG_USEC=400000"});
      std::vector<std::string> seen;
      REQUIRE(systemd.wait_for("READY=1", 30'000, &seen).count() >= 0);
      // 200 ms ticks: a healthy guest feeds the watchdog about 10 times in 2 s, a hung one never.
      const int fed = systemd.count("WATCHDOG=1", 2000);
      if (hang) {
        CHECK(fed == 0);
      } else {
        CHECK(fed >= 3);
      }
      run.signal(SIGTERM);
      const auto result = run.wait(60'000);
      // A hung app does not answer the stop either: the grace period ends it.
      CHECK(result.exit_code == (hang ? 137 : 143));
    }
  }
}

TEST_CASE("under systemd, a booting guest that shows progress extends the start timeout, and a stop its grace") {
  for (const std::string& hypervisor : monocell::testing::test_hypervisors()) {
    INFO("hypervisor " << hypervisor);
    TempDir dir;
    FakeSystemd systemd(dir.path() + "/notify");
    // It prints once, then prepares in silence for 3.5 s: its first second extends the start
    // timeout, the silent ones do not.
    Command run({MONOCELL_BIN, "run", "--hypervisor", hypervisor, "--name", "slow", "--grace-period", "7",
                 app_path(hypervisor, "test-ready"), "3500"},
                {"MONOCELL_STATE_DIR=" + dir.path() + "/state", "NOTIFY_SOCKET=" + dir.path() + "/notify"});
    std::vector<std::string> seen;
    REQUIRE(systemd.wait_for("READY=1", 30'000, &seen).count() >= 0);
    const std::string all = joined(seen);
    INFO("notifications: " << all);
    size_t extensions = 0;
    for (const std::string& text : seen) extensions += text == "EXTEND_TIMEOUT_USEC=5000000";
    CHECK(extensions >= 1);
    CHECK(extensions <= 2);
    run.signal(SIGTERM);
    // The stop's grace period (7 s) and a margin: systemd waits that long before its own kill.
    CHECK(systemd.wait_for("EXTEND_TIMEOUT_USEC=12000000", 30'000, &seen).count() >= 0);
    CHECK(run.wait(60'000).exit_code == 143);
  }
}

TEST_CASE("under systemd, restarts are systemd's: the monitor ends with the guest") {
  for (const std::string& hypervisor : monocell::testing::test_hypervisors()) {
    INFO("hypervisor " << hypervisor);
    TempDir dir;
    FakeSystemd systemd(dir.path() + "/notify");
    const auto result = monocell::testing::run_command(
        {MONOCELL_BIN, "run", "--hypervisor", hypervisor, "--name", "once", "--restart", "always", "hello", "3"},
        {"MONOCELL_STATE_DIR=" + dir.path() + "/state", "NOTIFY_SOCKET=" + dir.path() + "/notify"}, 60'000);
    CHECK(result.exit_code == 3);  // the unit's Restart= decides what comes next
    CHECK(result.err.find("--restart always is left to systemd") != std::string::npos);
  }
}
