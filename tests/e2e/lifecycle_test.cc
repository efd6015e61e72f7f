// End-to-end tests of the guest lifecycle verbs (run -d, create, start, stop, kill, restart,
// rm, ps, inspect, wait, logs, stats) and of the state they keep: the real CLI, as a user
// drives it, on every hypervisor in hypervisors().
#include <catch2/catch.hpp>

#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "tests/support/command.h"
#include "tests/support/process_alive.h"
#include "tests/support/test_hypervisors.h"

using monocell::testing::Command;
using monocell::testing::CommandResult;
using monocell::testing::TempDir;
using monocell::testing::process_alive;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> hypervisors() { return monocell::testing::test_hypervisors(); }

std::string app_path(const std::string& hypervisor, const std::string& name) {
  return (hypervisor == "process" ? std::string(TEST_APP_DIR) : std::string(MONOCELL_IMAGE_DIR)) + "/" + name;
}

// Waits up to `timeout_ms` for `condition`; true once it holds.
// Boots take seconds under TCG in the rigs (a Xen domain's creation most of all): waits for
// restarts, each a boot after its backoff, allow for several.
constexpr int kRestartsTimeoutMs = 120'000;

bool eventually(const std::function<bool()>& condition, int timeout_ms = 20'000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session...
std::vector<long> stat_fields(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string state;
  rest >> state;
  std::vector<long> fields;
  long value;
  while (rest >> value) fields.push_back(value);
  return fields;
}

bool is_full_id(const std::string& text) {
  if (text.size() != 64) return false;
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A CLI environment of its own: volatile and persistent state under a fresh temp dir.
struct Cli {
  TempDir dir;
  std::string state() const { return dir.path() + "/run"; }
  std::string data() const { return dir.path() + "/data"; }
  std::vector<std::string> env() const { return {"MONOCELL_STATE_DIR=" + state(), "MONOCELL_DATA_DIR=" + data()}; }

  CommandResult operator()(std::vector<std::string> args, int timeout_ms = 60'000) const {
    args.insert(args.begin(), MONOCELL_BIN);
    CommandResult r = monocell::testing::run_command(args, env(), timeout_ms);
    UNSCOPED_INFO("monocell " << args[1] << " ... exited " << r.exit_code << "\nstdout: " << r.out.substr(0, 2000)
                              << "\nstderr: " << r.err.substr(0, 2000));
    return r;
  }
  std::unique_ptr<Command> start(std::vector<std::string> args) const {
    args.insert(args.begin(), MONOCELL_BIN);
    return std::make_unique<Command>(args, env());
  }
  // `run -d` on `hypervisor`; the ID it printed.
  std::string run_detached(const std::string& hypervisor, std::vector<std::string> args) const {
    std::vector<std::string> argv = {"run", "-d", "--hypervisor", hypervisor};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = (*this)(argv);
    REQUIRE(r.exit_code == 0);
    std::string id = r.out;
    while (!id.empty() && id.back() == '\n') id.pop_back();
    REQUIRE(is_full_id(id));
    return id;
  }
  json inspect(const std::string& guest) const {
    const CommandResult r = (*this)({"inspect", guest});
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out, nullptr, false);
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 1);
    return j[0];
  }
  json ps_json(bool all) const {
    std::vector<std::string> args = {"ps", "--format", "json"};
    if (all) args.push_back("-a");
    const CommandResult r = (*this)(args);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out, nullptr, false);
    REQUIRE(j.is_array());
    return j;
  }
  std::optional<json> listed(const std::string& name, bool all = true) const {
    for (const json& g : ps_json(all)) {
      if (g["name"] == name) return g;
    }
    return std::nullopt;
  }
  // Nothing of the guest is left: no volatile state, no persistent state, no name.
  bool nothing_left_of(const std::string& name, const std::string& id) const {
    return !fs::exists(state() + "/" + name) && !fs::exists(data() + "/guests/" + id) &&
           !fs::exists(fs::symlink_status(data() + "/names/" + name));
  }
};

}  // namespace

TEST_CASE("run -d prints the ID once the guest runs, and the guest outlives the CLI in a session of its own") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const std::string id = cli.run_detached(hv, {"--name", "svc", "echo"});
    // The CLI has exited; its guest runs on, owned by a monitor that is not the CLI's child.
    const json guest = cli.inspect("svc");
    CHECK(guest["id"] == id);
    CHECK(guest["state"] == "running");
    CHECK(guest["running"] == true);
    const long pid = guest["monitor_pid"].get<long>();
    REQUIRE(process_alive(pid));
    const std::vector<long> fields = stat_fields(pid);
    CHECK(fields.at(2) != getsid(0));  // a session of its own (setsid), not the CLI's
    CHECK(fields.at(0) != getpid());
    // It answers, by name and by a prefix of its ID.
    const CommandResult call = cli({"call", id.substr(0, 6), "echo", "still here"});
    CHECK(call.exit_code == 0);
    CHECK(call.out == "still here");
    CHECK(cli({"stop", "-t", "5", id}).exit_code == 0);
    CHECK(eventually([&] { return !process_alive(pid); }));
  }
}

TEST_CASE("ps, inspect, stats and wait show a guest through its life; stop records its exit code") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const std::string id = cli.run_detached(hv, {"--name", "life", "echo"});
    const auto running = cli.listed("life", false);
    REQUIRE(running);
    CHECK((*running)["status"] == "running");
    CHECK((*running)["hypervisor"] == hv);
    CHECK((*running)["app"] == "echo");
    const CommandResult table = cli({"ps"});
    CHECK(table.out.find(id.substr(0, 12) + "  life") != std::string::npos);
    CHECK(cli({"ps", "-q"}).out == id.substr(0, 12) + "\n");

    const json guest = cli.inspect(id);
    CHECK(guest["hypervisor"] == hv);
    CHECK(guest["image"].get<std::string>().find("echo") != std::string::npos);
    CHECK(guest["config"]["argv"] == json::array({"echo"}));
    CHECK(guest["restart_count"] == 0);
    CHECK(guest["exit_code"].is_null());
    CHECK(guest["started"].is_string());
    CHECK(guest["ended"].is_null());

    const CommandResult stats = cli({"stats", "--format", "json", "life"});
    REQUIRE(stats.exit_code == 0);
    const json s = json::parse(stats.out, nullptr, false);
    REQUIRE(s.is_object());
    CHECK(s["uptime_ns"].get<uint64_t>() > 0);
    CHECK(s["id"] == id);

    auto waiter = cli.start({"wait", "life"});
    CHECK(cli({"stop", "life"}).exit_code == 0);
    const CommandResult waited = waiter->wait(20'000);
    CHECK(waited.exit_code == 0);
    CHECK(waited.out == "0\n");  // a Shutdown is a clean stop: echo returns 0

    CHECK_FALSE(cli.listed("life", false));
    const auto ended = cli.listed("life");
    REQUIRE(ended);
    CHECK((*ended)["status"] == "exited (0)");
    const json after = cli.inspect("life");
    CHECK(after["exit_code"] == 0);
    CHECK(after["running"] == false);
    REQUIRE(after["ended"].is_string());
    CHECK(after["started"].get<std::string>() <= after["ended"].get<std::string>());
    CHECK(cli({"stop", "life"}).exit_code == 1);  // not running
    CHECK(cli({"rm", "life"}).exit_code == 0);
    CHECK(cli.nothing_left_of("life", id));
  }
}

TEST_CASE("logs show a guest's stdout and stderr after it ended, with --tail, -t and --since") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const CommandResult run = cli({"run", "--hypervisor", hv, "--name", "chatty", app_path(hv, "test-stdio-burst"), "0"});
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("out 999\n") != std::string::npos);  // the terminal still gets it all

    const CommandResult logs = cli({"logs", "chatty"});
    CHECK(logs.exit_code == 0);
    CHECK(logs.out == run.out);
    CHECK(logs.err == run.err);

    // The last line: stdout's or stderr's, whichever came last (the streams interleave).
    const CommandResult tail = cli({"logs", "--tail", "1", "chatty"});
    const std::string last = tail.out + tail.err;
    CHECK((last == "out end\n" || last == "err end\n"));
    CHECK(cli({"logs", "--tail", "0", "chatty"}).out.empty());

    const CommandResult stamped = cli({"logs", "-t", "--tail", "1", "chatty"});
    // "2026-12-02T16:09:56.123456789Z out end"
    const std::string line = stamped.out + stamped.err;
    REQUIRE(line.size() > 31);
    CHECK(line.substr(4, 1) == "-");
    CHECK(line.substr(10, 1) == "T");
    CHECK(line.substr(29, 2) == "Z ");
    CHECK(line.substr(31) == last);

    CHECK(cli({"logs", "--since", "2999-01-01T00:00:00Z", "chatty"}).out.empty());
    CHECK(cli({"logs", "--since", "1h", "chatty"}).out == run.out);
    CHECK(cli({"logs", "--since", "yesterday", "chatty"}).exit_code == 1);
  }
}

TEST_CASE("logs -f follows a detached guest's output until it ends") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const std::string id = cli.run_detached(hv, {"--name", "followed", "echo"});
    auto follower = cli.start({"logs", "-f", "followed"});
    // It follows before the guest stops: it holds the log open.
    const std::string log = cli.data() + "/guests/" + id + "/logs/current.log";
    CHECK(eventually([&] {
      std::error_code ec;
      for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(follower->pid()) + "/fd", ec)) {
        if (fs::read_symlink(fd.path(), ec) == log) return true;
      }
      return false;
    }));
    CHECK(cli({"stop", "followed"}).exit_code == 0);
    const CommandResult followed = follower->wait(20'000);
    CHECK(followed.exit_code == 0);  // it ended with the guest
    CHECK(followed.out == "echo: ready for calls\necho: stopping (code 0)\n");
  }
}

TEST_CASE("create makes a guest that start runs, detached or attached with -a") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const CommandResult created = cli({"create", "--hypervisor", hv, "--name", "later", "hello", "5"});
    REQUIRE(created.exit_code == 0);
    CHECK(is_full_id(created.out.substr(0, created.out.size() - 1)));
    CHECK(cli.listed("later").value()["status"] == "created");
    CHECK(cli({"wait", "later"}).exit_code == 1);  // never started

    const CommandResult attached = cli({"start", "-a", "later"});
    CHECK(attached.exit_code == 5);
    CHECK(attached.out.find("Hello from monocell!") != std::string::npos);
    CHECK(cli({"wait", "later"}).out == "5\n");
    const std::string first_start = cli.inspect("later")["started"];

    CHECK(cli({"start", "later"}).exit_code == 0);
    CHECK(cli({"wait", "later"}).out == "5\n");
    CHECK(cli.inspect("later")["started"].get<std::string>() > first_start);
    // Its logs hold both runs.
    const std::string logs = cli({"logs", "later"}).out;
    const std::string greeting = "Hello from monocell!";
    CHECK(logs.find(greeting) != logs.rfind(greeting));
  }
}

TEST_CASE("rm refuses a running guest without -f; rm -f kills it and leaves nothing") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const std::string id = cli.run_detached(hv, {"--name", "busy", "echo"});
    const long pid = cli.inspect("busy")["monitor_pid"];
    const CommandResult refused = cli({"rm", "busy"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("guest busy is running") != std::string::npos);
    CHECK(refused.err.find("rm -f") != std::string::npos);
    CHECK(cli.inspect("busy")["running"] == true);

    CHECK(cli({"rm", "-f", "busy"}).exit_code == 0);
    CHECK(eventually([&] { return !process_alive(pid); }));
    CHECK(cli.nothing_left_of("busy", id));
    CHECK(cli.ps_json(true).empty());
  }
}

TEST_CASE("two CLIs creating the same name at once: exactly one wins, the other is told why") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    for (int round = 0; round < 5; ++round) {
      const std::string name = "contested-" + std::to_string(round);
      std::vector<std::unique_ptr<Command>> racers;
      for (int i = 0; i < 6; ++i) racers.push_back(cli.start({"create", "--hypervisor", hv, "--name", name, "hello"}));
      int won = 0;
      for (auto& racer : racers) {
        const CommandResult r = racer->wait(30'000);
        if (r.exit_code == 0) {
          ++won;
        } else {
          CHECK(r.exit_code == 125);
          CHECK(r.err.find("the name \"" + name + "\" is already in use") != std::string::npos);
        }
      }
      CHECK(won == 1);
    }
    // The losers left nothing: one guest per name in the store.
    size_t dirs = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(cli.data() + "/guests")) ++dirs;
    CHECK(dirs == 5);
    CHECK(cli.ps_json(true).size() == 5);
  }
}

TEST_CASE("a monitor killed with SIGKILL: ps -a shows its guest ended, rm cleans everything") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const std::string id = cli.run_detached(hv, {"--name", "victim", "echo"});
    const long pid = cli.inspect("victim")["monitor_pid"];
    REQUIRE(eventually([&] { return cli({"logs", "victim"}).out == "echo: ready for calls\n"; }));
    // The guest process of the process backend is the monitor's child.
    long guest_pid = 0;
    std::ifstream("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children") >> guest_pid;
    REQUIRE(kill(static_cast<pid_t>(pid), SIGKILL) == 0);
    REQUIRE(eventually([&] { return !process_alive(pid); }));
    if (hv == "process") {
      REQUIRE(guest_pid > 0);
      CHECK(eventually([&] { return !process_alive(guest_pid); }));
    }

    CHECK_FALSE(cli.listed("victim", false));
    const auto ended = cli.listed("victim");
    REQUIRE(ended);
    CHECK((*ended)["status"] == "exited (unknown)");
    CHECK((*ended)["exit_code"].is_null());
    const json guest = cli.inspect("victim");
    CHECK(guest["running"] == false);
    CHECK(guest["error"].get<std::string>().find("monitor ended without recording") != std::string::npos);
    const CommandResult waited = cli({"wait", "victim"});
    CHECK(waited.exit_code == 1);
    CHECK(waited.err.find("unknown exit code") != std::string::npos);
    CHECK(cli({"logs", "victim"}).out == "echo: ready for calls\n");

    CHECK(cli({"rm", "victim"}).exit_code == 0);  // not running: no -f needed
    CHECK(cli.nothing_left_of("victim", id));
    CHECK(fs::is_empty(cli.state()));
  }
}

TEST_CASE("a guest that was running when the host restarted shows as ended with an unknown code") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    cli.run_detached(hv, {"--name", "before-reboot", "echo"});
    const long pid = cli.inspect("before-reboot")["monitor_pid"];
    // A reboot: every process is gone, and so is the volatile state (a tmpfs).
    REQUIRE(kill(static_cast<pid_t>(pid), SIGKILL) == 0);
    REQUIRE(eventually([&] { return !process_alive(pid); }));
    fs::remove_all(cli.state());
    const auto ended = cli.listed("before-reboot");
    REQUIRE(ended);
    CHECK((*ended)["status"] == "exited (unknown)");
    CHECK(cli({"start", "before-reboot"}).exit_code == 0);  // and it starts again
    CHECK(cli.inspect("before-reboot")["running"] == true);
    CHECK(cli({"rm", "-f", "before-reboot"}).exit_code == 0);
  }
}

TEST_CASE("kill ends a guest at once with 137; kill -s TERM stops it as SIGTERM does") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    cli.run_detached(hv, {"--name", "k1", "echo"});
    CHECK(cli({"kill", "k1"}).exit_code == 0);
    CHECK(cli({"wait", "k1"}).out == "137\n");
    cli.run_detached(hv, {"--name", "k2", "echo"});
    CHECK(cli({"kill", "-s", "TERM", "k2"}).exit_code == 0);
    CHECK(cli({"wait", "k2"}).out == "143\n");
    CHECK(cli({"logs", "k2"}).out.find("echo: stopping (code 143)") != std::string::npos);
    CHECK(cli({"kill", "k2"}).exit_code == 1);  // not running any more
    CHECK(cli({"kill", "-s", "NOSUCH", "k2"}).exit_code == 125);
  }
}

TEST_CASE("restart stops a running guest and starts it again") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    cli.run_detached(hv, {"--name", "again", "echo"});
    const json before = cli.inspect("again");
    CHECK(cli({"restart", "-t", "5", "again"}).exit_code == 0);
    const json after = cli.inspect("again");
    CHECK(after["running"] == true);
    CHECK(after["monitor_pid"] != before["monitor_pid"]);
    CHECK(after["started"].get<std::string>() > before["started"].get<std::string>());
    CHECK(cli({"call", "again", "echo", "back"}).out == "back");
    CHECK(cli({"rm", "-f", "again"}).exit_code == 0);
  }
}

TEST_CASE("run --rm removes the guest when it ends, in the foreground and detached") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    CHECK(cli({"run", "--rm", "--hypervisor", hv, "--name", "brief", "hello", "3"}).exit_code == 3);
    CHECK_FALSE(cli.listed("brief"));
    const std::string id = cli.run_detached(hv, {"--rm", "--name", "brief-d", "echo"});
    CHECK(cli({"stop", "brief-d"}).exit_code == 0);
    CHECK(eventually([&] { return cli.nothing_left_of("brief-d", id); }));
  }
}

TEST_CASE("run -d of a guest that cannot start returns its error and exit code") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const CommandResult old = cli({"run", "-d", "--hypervisor", hv, app_path(hv, "test-hostile-old-version")});
    CHECK(old.exit_code == 126);
    CHECK(old.err.find("ended before it ran") != std::string::npos);
    CHECK(old.err.find("protocol 7..9") != std::string::npos);
    CHECK(cli({"run", "-d", "--hypervisor", hv, "no-such-app"}).exit_code == 127);
  }
}

TEST_CASE("an ID prefix names one guest; an ambiguous one is a clear error") {
  Cli cli;
  // 17 guests: two of them share their ID's first digit.
  std::map<char, std::vector<std::string>> by_digit;
  for (int i = 0; i < 17; ++i) {
    const CommandResult r = cli({"create", "--hypervisor", "process", "--name", "g" + std::to_string(i), "hello"});
    REQUIRE(r.exit_code == 0);
    by_digit[r.out[0]].push_back(r.out.substr(0, 64));
  }
  for (const auto& [digit, ids] : by_digit) {
    const CommandResult r = cli({"inspect", std::string(1, digit)});
    if (ids.size() == 1) {
      CHECK(r.exit_code == 0);
      CHECK(r.out.find(ids[0]) != std::string::npos);
    } else {
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("is the start of " + std::to_string(ids.size()) + " guest IDs") != std::string::npos);
      CHECK(cli({"inspect", ids[0].substr(0, 20)}).exit_code == 0);
    }
  }
  const CommandResult none = cli({"inspect", "nobody"});
  CHECK(none.exit_code == 1);
  CHECK(none.err.find("no guest named \"nobody\"") != std::string::npos);
}

TEST_CASE("a corrupt state file is reported, not a crash, and rm -f still removes the guest") {
  Cli cli;
  const CommandResult created = cli({"create", "--hypervisor", "process", "--name", "damaged", "hello"});
  REQUIRE(created.exit_code == 0);
  const std::string id = created.out.substr(0, 64);
  std::ofstream(cli.data() + "/guests/" + id + "/state.json", std::ios::trunc) << "{\"status\": ";
  const CommandResult inspect = cli({"inspect", "damaged"});
  CHECK(inspect.exit_code == 1);
  CHECK(inspect.err.find("state.json is corrupt") != std::string::npos);
  CHECK(cli({"ps", "-a"}).out.find("corrupt") != std::string::npos);
  CHECK(cli({"rm", "-f", "damaged"}).exit_code == 0);
  CHECK(cli.nothing_left_of("damaged", id));
}

namespace {

size_t occurrences(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

constexpr char kGreeting[] = "Hello from monocell!";

}  // namespace

TEST_CASE("restart on-failure:2: a guest that exits 3 runs three times and ends with 3 after 2 restarts") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    // Detached: the monitor restarts it; wait sees only the final end.
    const std::string id = cli.run_detached(hv, {"--restart", "on-failure:2", "--name", "flaky", "hello", "3"});
    CHECK(cli({"wait", "flaky"}).out == "3\n");
    const json guest = cli.inspect(id);
    CHECK(guest["restart_count"] == 2);
    CHECK(guest["exit_code"] == 3);
    CHECK(guest["last_exit_code"] == 3);
    CHECK(guest["stopped_by_user"] == false);
    CHECK(guest["config"]["restart_policy"] == "on-failure:2");
    const auto listed = cli.listed("flaky");
    REQUIRE(listed);
    CHECK((*listed)["restart_count"] == 2);
    CHECK((*listed)["status"] == "exited (3)");
    CHECK_THAT(cli({"ps", "-a"}).out, Catch::Matches("(.|\n)*flaky +exited \\(3\\) +" + hv + " +2 \\(last 3\\)(.|\n)*"));
    // The same log store across the runs: every run's output is there.
    const CommandResult logs = cli({"logs", "flaky"});
    CHECK(occurrences(logs.out, kGreeting) == 3);

    // In the foreground the CLI stays attached through the restarts; its exit code is the last one.
    const CommandResult attached = cli({"run", "--hypervisor", hv, "--restart", "on-failure:2", "--name", "flaky-fg", "hello", "3"});
    CHECK(attached.exit_code == 3);
    CHECK(occurrences(attached.out, kGreeting) == 3);
    CHECK(cli.inspect("flaky-fg")["restart_count"] == 2);
    CHECK(occurrences(cli({"logs", "flaky-fg"}).out, kGreeting) == 3);
  }
}

TEST_CASE("restart --restart-exit-codes: only the listed codes count as failures") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const CommandResult unlisted = cli({"run", "--hypervisor", hv, "--restart", "on-failure", "--restart-exit-codes", "4",
                                        "--name", "not-listed", "hello", "3"});
    CHECK(unlisted.exit_code == 3);
    CHECK(occurrences(unlisted.out, kGreeting) == 1);
    CHECK(cli.inspect("not-listed")["restart_count"] == 0);

    const CommandResult listed = cli({"run", "--hypervisor", hv, "--restart", "on-failure:1", "--restart-exit-codes",
                                      "1-2,4", "--name", "listed", "hello", "4"});
    CHECK(listed.exit_code == 4);
    CHECK(occurrences(listed.out, kGreeting) == 2);
    const json guest = cli.inspect("listed");
    CHECK(guest["restart_count"] == 1);
    CHECK(guest["config"]["restart_exit_codes"] == "1-2,4");
  }
}

TEST_CASE("restart always: a guest that exits 0 is booted again until stop, and stop ends it for good") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    cli.run_detached(hv, {"--restart", "always", "--name", "forever", "hello"});
    CHECK(eventually([&] { return cli.inspect("forever")["restart_count"].get<int>() >= 2; }, kRestartsTimeoutMs));
    // Between its runs it waits out the backoff, and says so.
    CHECK(eventually(
        [&] {
          const auto now = cli.listed("forever", false);
          return now && (*now)["status"] == "restarting";
        },
        kRestartsTimeoutMs));
    CHECK(cli({"ps"}).out.find("forever") != std::string::npos);  // still live between its runs
    CHECK(cli({"stop", "forever"}).exit_code == 0);
    const json stopped = cli.inspect("forever");
    CHECK(stopped["running"] == false);
    CHECK(stopped["state"] == "exited");
    CHECK(stopped["stopped_by_user"] == true);
    CHECK(stopped["config"]["restart_policy"] == "always");
    // Nothing boots it again: its backoff is well under this.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const json later = cli.inspect("forever");
    CHECK(later["running"] == false);
    CHECK(later["restart_count"] == stopped["restart_count"]);
    // Every run's greeting is in the logs; the stop may have caught the last run before it printed.
    const size_t greetings = occurrences(cli({"logs", "forever"}).out, kGreeting);
    const auto runs = static_cast<size_t>(later["restart_count"].get<int>() + 1);
    CHECK(greetings <= runs);
    CHECK(greetings + 1 >= runs);
    CHECK(greetings >= 2);
  }
}

TEST_CASE("restart: kill and rm -f end a guest for good whatever its policy") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    cli.run_detached(hv, {"--restart", "always", "--name", "killed", "echo"});
    CHECK(cli({"kill", "killed"}).exit_code == 0);
    CHECK(cli({"wait", "killed"}).out == "137\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const json killed = cli.inspect("killed");
    CHECK(killed["running"] == false);
    CHECK(killed["restart_count"] == 0);
    CHECK(killed["stopped_by_user"] == true);

    const std::string id = cli.run_detached(hv, {"--restart", "unless-stopped", "--name", "removed", "hello"});
    CHECK(eventually([&] { return cli.inspect("removed")["restart_count"].get<int>() >= 1; }, kRestartsTimeoutMs));
    CHECK(cli({"rm", "-f", "removed"}).exit_code == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(cli.nothing_left_of("removed", id));
  }
}

TEST_CASE("restart: a bad policy or exit code list is refused with 125 and creates nothing") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    const CommandResult sometimes = cli({"run", "--hypervisor", hv, "--restart", "sometimes", "hello"});
    CHECK(sometimes.exit_code == 125);
    CHECK_THAT(sometimes.err, Catch::Contains("\"sometimes\"") && Catch::Contains("unless-stopped"));
    const CommandResult negative = cli({"create", "--hypervisor", hv, "--restart", "on-failure:-1", "hello"});
    CHECK(negative.exit_code == 125);
    CHECK_THAT(negative.err, Catch::Contains("\"-1\""));
    const CommandResult codes = cli({"run", "-d", "--hypervisor", hv, "--restart", "on-failure", "--restart-exit-codes", "1,x", "hello"});
    CHECK(codes.exit_code == 125);
    CHECK_THAT(codes.err, Catch::Contains("\"x\"") && Catch::Contains("0 to 255"));
    const CommandResult with_rm = cli({"run", "--rm", "--hypervisor", hv, "--restart", "always", "hello"});
    CHECK(with_rm.exit_code == 125);
    CHECK_THAT(with_rm.err, Catch::Contains("--rm"));
    CHECK(cli.ps_json(true).empty());
  }
}

TEST_CASE("files a killed CLI left without a name (mid create or rm) are swept away by a later create") {
  Cli cli;
  REQUIRE(cli({"create", "--name", "orphan", "--hypervisor", "process", "hello"}).exit_code == 0);
  REQUIRE(cli({"create", "--name", "young", "--hypervisor", "process", "hello"}).exit_code == 0);
  const fs::path orphan = cli.inspect("orphan")["data_dir"].get<std::string>();
  const fs::path young = cli.inspect("young")["data_dir"].get<std::string>();
  // As a CLI killed between writing the files and claiming the name leaves them: the one a
  // minute old is forgotten, the fresh one may be a create under way elsewhere.
  for (const char* name : {"orphan", "young"}) REQUIRE(fs::remove(cli.data() + "/names/" + name));
  fs::last_write_time(orphan, fs::file_time_type::clock::now() - std::chrono::minutes(2));
  REQUIRE(cli({"create", "--name", "next", "--hypervisor", "process", "hello"}).exit_code == 0);
  CHECK(!fs::exists(orphan));
  CHECK(fs::exists(young));
  CHECK(cli({"inspect", "next"}).exit_code == 0);
}

TEST_CASE("a detached guest's monitor keeps none of the fds its CLI inherited: a caller waiting on a pipe is not held") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    // The write end without O_CLOEXEC, as a shell's redirection or a harness's pipe reaches the CLI.
    int ends[2];
    REQUIRE(pipe(ends) == 0);
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    cli.run_detached(hv, {"--name", "inheritor", "echo"});
    close(ends[1]);
    // The CLI has exited; with no monitor holding the write end, the pipe ends now.
    pollfd end{ends[0], POLLIN, 0};
    CHECK(poll(&end, 1, 5000) == 1);
    char byte;
    CHECK(read(ends[0], &byte, 1) == 0);
    close(ends[0]);
    CHECK(cli.inspect("inheritor")["status"] == "running");
    CHECK(cli({"rm", "-f", "inheritor"}).exit_code == 0);
  }
}
