// The Xen backend under the monocell CLI, in dom0: the static monocell handing `run` and `ps`
// to monocell-xen, and no domain outliving its monitor -- however the monitor ends, with its
// reaper doing the work, or `monocell ps` and a new monitor of the same name when even the
// reaper is gone. Skips outside a dom0 unless MONOCELL_REQUIRE_XEN=1.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <sstream>
#include <set>
#include <thread>
#include <vector>

#include "tests/support/command.h"
#include "tests/xen/xen_test_support.h"

using monocell::testing::Command;
using monocell::testing::CommandResult;
using monocell::testing::TempDir;
namespace xt = monocell::xen::test;

namespace {

using namespace std::chrono_literals;

constexpr int kRunTimeoutMs = 180'000;

struct Cli {
  TempDir state;
  std::vector<std::string> env() const { return {"MONOCELL_STATE_DIR=" + state.path()}; }

  CommandResult run(const std::string& binary, std::vector<std::string> args) const {
    args.insert(args.begin(), binary);
    return monocell::testing::run_command(args, env(), kRunTimeoutMs);
  }
  std::unique_ptr<Command> start(const std::string& binary, std::vector<std::string> args) const {
    args.insert(args.begin(), binary);
    return std::make_unique<Command>(args, env());
  }
  std::string status_of(const std::string& name) const {
    std::ifstream in(state.path() + "/" + name + "/status");
    std::string s;
    in >> s;
    return s;
  }
  bool wait_running(const std::string& name) const {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(kRunTimeoutMs);
    while (status_of(name) != "running") {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }
};

std::vector<std::string> cmdline_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\0', start);
    args.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return args;
}

// The pid of the reaper started for `domain` (its argv: monocell-xen-reaper UUID DOMAIN).
pid_t reaper_of(const std::string& domain) {
  DIR* proc = opendir("/proc");
  REQUIRE(proc != nullptr);
  pid_t found = -1;
  while (dirent* entry = readdir(proc)) {
    const std::string pid = entry->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto args = cmdline_of(pid);
    if (args.size() == 3 && args[0] == "monocell-xen-reaper" && args[2] == domain) found = std::stoi(pid);
  }
  closedir(proc);
  return found;
}

std::string guest_name(const char* what) { return std::string("xm-") + what + "-" + std::to_string(getpid()); }

// Starts `monocell-xen run echo` named `name`, waits until it runs, then SIGKILLs its reaper
// (when `and_reaper`) and its monitor.
void kill_running_monitor(const Cli& cli, const std::string& name, bool and_reaper) {
  auto monitor = cli.start(MONOCELL_XEN_BIN, {"run", "--hypervisor", "xen", "--name", name, "echo"});
  REQUIRE(cli.wait_running(name));
  const std::string domain = "monocell-" + name;
  REQUIRE(xt::domain_exists(domain));
  const pid_t reaper = reaper_of(domain);
  REQUIRE(reaper > 0);
  if (and_reaper) REQUIRE(::kill(reaper, SIGKILL) == 0);
  monitor->signal(SIGKILL);
  const CommandResult result = monitor->wait(30'000);
  CHECK(result.exit_code == 128 + SIGKILL);
}

}  // namespace

TEST_CASE("xen cli: the static monocell hands run --hypervisor xen to monocell-xen") {
  if (!xt::xen_or_skip()) return;
  Cli cli;
  const CommandResult r = cli.run(MONOCELL_BIN, {"run", "--hypervisor", "xen", "hello", "7"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 7);
  CHECK_THAT(r.out, Catch::Contains("Hello from monocell!") && Catch::Contains("argv (2): hello 7"));
  xt::require_no_monocell_domain();
}

TEST_CASE("xen cli: without --hypervisor, a dom0 runs its guests on Xen") {
  if (!xt::xen_or_skip()) return;
  if (::access("/dev/kvm", R_OK | W_OK) == 0) {
    WARN("this dom0 also offers /dev/kvm, which is preferred: not checked here");
    return;
  }
  Cli cli;
  const CommandResult r = cli.run(MONOCELL_BIN, {"run", "--name", guest_name("auto"), "hello", "3"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 3);
  xt::require_no_monocell_domain();
}

TEST_CASE("xen cli: a crash is reported with the fault, exit 139") {
  if (!xt::xen_or_skip()) return;
  Cli cli;
  const CommandResult r = cli.run(MONOCELL_XEN_BIN, {"run", "--hypervisor", "xen", "test-null-deref"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 139);
  CHECK_THAT(r.err, Catch::Contains("faulted") && Catch::Contains("vector 14 (#PF page fault)"));
  xt::require_no_monocell_domain();
}

TEST_CASE("xen cli: getrandom is seeded by the host (PVH module 0): every call and every guest differ") {
  if (!xt::xen_or_skip()) return;
  Cli cli;
  std::set<std::string> seen;
  for (int guest = 0; guest < 2; ++guest) {
    // test-random ends before any handshake: its lines come on the console, with stderr.
    const CommandResult r = cli.run(MONOCELL_XEN_BIN, {"run", "--hypervisor", "xen", "test-random"});
    INFO("stderr: " << r.err);
    std::istringstream lines(r.err);
    std::vector<std::string> hex;
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();  // a console may end lines with CR LF
      if (line.size() == 64 && line.find_first_not_of("0123456789abcdef") == std::string::npos) hex.push_back(line);
    }
    REQUIRE(hex.size() == 2);
    for (const std::string& h : hex) CHECK(seen.insert(h).second);
  }
  xt::require_no_monocell_domain();
}

TEST_CASE("xen cli: SIGKILL of a monitor leaves no domain: its reaper destroys it") {
  if (!xt::xen_or_skip()) return;
  Cli cli;
  const std::string name = guest_name("sigkill");
  kill_running_monitor(cli, name, false);
  CHECK(xt::wait_for_domain("monocell-" + name, false, 20s));
  // ps finds nothing left to destroy and shows the guest ended.
  const CommandResult ps = cli.run(MONOCELL_XEN_BIN, {"ps", "-a"});
  INFO("ps: " << ps.out << ps.err);
  CHECK(ps.exit_code == 0);
  CHECK_THAT(ps.out, Catch::Matches("(.|\n)*" + name + " +exited \\(unknown\\) +xen(.|\n)*"));
  CHECK_THAT(ps.err, !Catch::Contains("destroyed"));
  xt::require_no_monocell_domain();
}

TEST_CASE("xen cli: with monitor and reaper killed, monocell ps destroys the domain they left") {
  if (!xt::xen_or_skip()) return;
  Cli cli;
  const std::string name = guest_name("ps");
  kill_running_monitor(cli, name, true);
  std::this_thread::sleep_for(1s);
  REQUIRE(xt::domain_exists("monocell-" + name));  // nobody left to destroy it
  // The static monocell needs monocell-xen for this, and execs it.
  const CommandResult ps = cli.run(MONOCELL_BIN, {"ps", "-a"});
  INFO("ps: " << ps.out << ps.err);
  CHECK(ps.exit_code == 0);
  CHECK_THAT(ps.out, Catch::Matches("(.|\n)*" + name + " +exited \\(unknown\\) +xen(.|\n)*"));
  CHECK_THAT(ps.err, Catch::Contains("destroyed Xen domain monocell-" + name));
  CHECK_FALSE(xt::domain_exists("monocell-" + name));
  // Settled: the next ps says the same and destroys nothing.
  const CommandResult again = cli.run(MONOCELL_BIN, {"ps", "-a"});
  CHECK_THAT(again.out, Catch::Matches("(.|\n)*" + name + " +exited \\(unknown\\) +xen(.|\n)*"));
  CHECK_THAT(again.err, !Catch::Contains("destroyed"));
}

TEST_CASE("xen cli: a new monitor of the same guest destroys the domain a dead one left") {
  if (!xt::xen_or_skip()) return;
  Cli cli;
  const std::string name = guest_name("again");
  kill_running_monitor(cli, name, true);
  REQUIRE(xt::domain_exists("monocell-" + name));
  const CommandResult r = cli.run(MONOCELL_BIN, {"start", name});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(cli.run(MONOCELL_BIN, {"call", name, "echo", "again"}).out == "again");
  CHECK(cli.run(MONOCELL_BIN, {"rm", "-f", name}).exit_code == 0);
  xt::require_no_monocell_domain();
}

TEST_CASE("xen cli: rm destroys the domain a dead monitor left, and the name is free again") {
  if (!xt::xen_or_skip()) return;
  Cli cli;
  const std::string name = guest_name("rm");
  kill_running_monitor(cli, name, true);
  REQUIRE(xt::domain_exists("monocell-" + name));
  const CommandResult rm = cli.run(MONOCELL_BIN, {"rm", name});
  INFO("stderr: " << rm.err);
  CHECK(rm.exit_code == 0);
  CHECK_THAT(rm.err, Catch::Contains("destroyed Xen domain monocell-" + name));
  CHECK_FALSE(xt::domain_exists("monocell-" + name));
  const CommandResult r = cli.run(MONOCELL_XEN_BIN, {"run", "--hypervisor", "xen", "--name", name, "hello", "5"});
  CHECK(r.exit_code == 5);
  xt::require_no_monocell_domain();
}
