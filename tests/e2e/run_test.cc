// End-to-end tests of `monocell run` and `monocell call`: the real CLI, monitor, backend,
// runtime and apps, as a user runs them. Each test runs on every hypervisor in hypervisors().
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "orchestrator/control_socket.h"
#include "tests/support/command.h"
#include "tests/support/process_alive.h"
#include "tests/support/test_hypervisors.h"

using monocell::testing::Command;
using monocell::testing::CommandResult;
using monocell::testing::TempDir;
using monocell::testing::process_alive;
namespace v1 = monocell::v1;

namespace {

std::vector<std::string> hypervisors() { return monocell::testing::test_hypervisors(); }

// A test app as `monocell run` takes it on `hypervisor`: the host executable for the process
// backend, the guest image for KVM and Xen (the same file on both; built under one name).
std::string app_path(const std::string& hypervisor, const std::string& name) {
  return (hypervisor == "process" ? std::string(TEST_APP_DIR) : std::string(MONOCELL_IMAGE_DIR)) + "/" + name;
}

// A CLI environment of its own: state directory under a fresh temp dir (and the persistent
// state in it). A test makes one per hypervisor: a guest's name stays taken until `monocell rm`.
struct Cli {
  TempDir state;
  std::vector<std::string> env() const { return {"MONOCELL_STATE_DIR=" + state.path()}; }

  CommandResult run(const std::string& hypervisor, std::vector<std::string> args, int timeout_ms = 60'000) const {
    std::vector<std::string> argv = {MONOCELL_BIN, "run", "--hypervisor", hypervisor};
    argv.insert(argv.end(), args.begin(), args.end());
    return monocell::testing::run_command(argv, env(), timeout_ms);
  }
  std::unique_ptr<Command> start(const std::string& hypervisor, std::vector<std::string> args) const {
    std::vector<std::string> argv = {MONOCELL_BIN, "run", "--hypervisor", hypervisor};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Command>(argv, env());
  }
  std::string status_of(const std::string& name) const {
    std::ifstream in(state.path() + "/" + name + "/status");
    std::string s;
    in >> s;
    return s;
  }
  // Waits until the named guest's monitor says it runs.
  bool wait_running(const std::string& name) const {
    for (int i = 0; i < 1000; ++i) {
      if (status_of(name) == "running") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string socket_of(const std::string& name) const { return state.path() + "/" + name + "/control.sock"; }
};

// A control-socket client, as `monocell call` is one.
class Client {
 public:
  explicit Client(const std::string& socket) {
    std::string error;
    fd_ = monocell::connect_control_socket(socket, &error);
    if (fd_ < 0) FAIL("connect " << socket << ": " << error);
  }
  ~Client() { close(fd_); }
  v1::Envelope request(v1::Envelope e) {
    const uint64_t id = send(std::move(e));
    const std::optional<v1::Envelope> reply = next_reply(60'000);
    REQUIRE(reply.has_value());
    REQUIRE(reply->reply_to() == id);
    return *reply;
  }
  // Sends a request without waiting for its reply; returns its id.
  uint64_t send(v1::Envelope e) {
    e.set_id(++id_);
    std::string error;
    REQUIRE(monocell::send_envelope(fd_, e, &error));
    return id_;
  }
  // The next reply, or none if nothing comes within timeout_ms.
  std::optional<v1::Envelope> next_reply(int timeout_ms) {
    pollfd readable{fd_, POLLIN, 0};
    if (::poll(&readable, 1, timeout_ms) <= 0) return std::nullopt;
    v1::Envelope reply;
    std::string error;
    REQUIRE(monocell::receive_envelope(fd_, &reply, &error));
    return reply;
  }

 private:
  int fd_ = -1;
  uint64_t id_ = 0;
};

// CPU time of all threads of a process (vCPU threads included), in nanoseconds, from
// /proc/<pid>/task/<tid>/schedstat.
uint64_t cpu_ns(pid_t pid) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "schedstat");
    uint64_t ns = 0;
    if (in >> ns) total += ns;
  }
  return total;
}

// CPU time of a Xen guest's domain (`monocell-NAME`), in nanoseconds, from `xl vcpu-list`
// (whose Time(s) column has a resolution of 0.1 s); none when there is no such domain.
std::optional<uint64_t> domain_cpu_ns(const std::string& guest) {
  const CommandResult r = monocell::testing::run_command({"/bin/sh", "-c", "xl vcpu-list monocell-" + guest}, {}, 10'000);
  std::istringstream lines(r.out);
  std::string line;
  std::optional<uint64_t> total;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name, id, vcpu, cpu, state;
    double seconds = 0;
    if (fields >> name >> id >> vcpu >> cpu >> state >> seconds && name == "monocell-" + guest) {
      total = total.value_or(0) + static_cast<uint64_t>(seconds * 1e9);
    }
  }
  return total;
}

pid_t child_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = -1;
  in >> child;
  return child;
}

}  // namespace

TEST_CASE("run passes the guest's exit code through: 0, 1 and 42") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    for (const int code : {0, 1, 42}) {
      INFO(hv << " hello " << code);
      const CommandResult r = cli.run(hv, {"hello", std::to_string(code)});
      CHECK(r.exit_code == code);
      CHECK(r.out.find("Hello from monocell! This line was printed inside the guest.") != std::string::npos);
      CHECK(r.out.find("argv (2): hello " + std::to_string(code)) != std::string::npos);
    }
  }
}

TEST_CASE("run -e K=V APP: each -e sets one variable and APP stays the app") {
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    Cli cli;
    // docker's order: each -e takes one value, so the word after its value is the app.
    const CommandResult r = cli.run(hv, {"--name", "env-app", "-e", "GREETING=hi there", "-e", "B=2", "hello", "3"});
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("argv (2): hello 3") != std::string::npos);
    const CommandResult inspect = monocell::testing::run_command({MONOCELL_BIN, "inspect", "env-app"}, cli.env());
    REQUIRE(inspect.exit_code == 0);
    const auto config = nlohmann::json::parse(inspect.out)[0]["config"];
    CHECK(config["app"] == "hello");
    CHECK(config["env"] == nlohmann::json::array({"GREETING=hi there", "B=2"}));
  }
}

TEST_CASE("a guest fault ends the run with the documented code and a report") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    const CommandResult r = cli.run(hv, {app_path(hv, "test-hostile-guest"), "segv"});
    INFO(hv);
    CHECK(r.exit_code == 139);
    // The report names the fault: the signal that killed the process, or the CPU's exception.
    CHECK(r.err.find(hv == "process" ? "SIGSEGV" : "#PF page fault") != std::string::npos);
  }
}

TEST_CASE("a CPU fault ends the run with the code Linux gives it: SIGILL 132, SIGFPE 136") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    for (const auto& [mode, signal, vm_text] : {std::tuple{"ud2", SIGILL, "#UD invalid opcode"},
                                                 std::tuple{"div0", SIGFPE, "#DE divide error"}}) {
      const CommandResult r = cli.run(hv, {app_path(hv, "test-hostile-guest"), mode});
      INFO(hv << " " << mode << "\nstderr: " << r.err);
      CHECK(r.exit_code == 128 + signal);
      CHECK(r.err.find(hv == "process" ? std::string("SIG") + sigabbrev_np(signal) : std::string(vm_text)) != std::string::npos);
    }
  }
}

TEST_CASE("abort() ends the run with 134, as on Linux, and says so") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    const CommandResult r = cli.run(hv, {app_path(hv, "test-hostile-guest"), "abort"});
    INFO(hv << "\nstderr: " << r.err);
    CHECK(r.exit_code == 128 + SIGABRT);
    CHECK(r.err.find("SIGABRT") != std::string::npos);
  }
}

TEST_CASE("stdout and stderr arrive complete and in order, 10 MiB in one burst included") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    INFO(hv);
    const CommandResult r = cli.run(hv, {app_path(hv, "test-stdio-burst"), "10"});
    REQUIRE(r.exit_code == 0);
    std::string expected_out;
    std::string expected_err;
    for (int i = 0; i < 1000; ++i) {
      expected_out += "out " + std::to_string(i) + "\n";
      expected_err += "err " + std::to_string(i) + "\n";
    }
    const size_t burst = size_t{10} << 20;
    std::string block(burst, '\0');
    for (size_t i = 0; i < burst; ++i) block[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
    expected_out += block + "\nout end\n";
    expected_err += "err end\n";
    CHECK(r.out.size() == expected_out.size());
    CHECK(r.out == expected_out);
    CHECK(r.err == expected_err);
  }
}

// What tests/apps/files.cc prints: the same on every hypervisor (the libOS's file tree in a VM,
// Linux in the process backend's mount namespace).
const char* const kFilesOutput =
    "temp directory: /tmp\n"
    "create_directories: 1\n"
    "read line 1: line one\n"
    "read line 2: line two\n"
    "read line 3: line three\n"
    "file_size: 29\n"
    "fstream seek and read: 4567 at 8\n"
    "listing: a.txt b.bin sub/\n"
    "after rename: a.txt gone, sub/renamed.txt exists\n"
    "resize_file to 4: 4\n"
    "resize_file to 8192: 8192\n"
    "canonical: /tmp/files/sub/deeper\n"
    "recursive entries: 4\n"
    "remove non-empty directory: ENOTEMPTY\n"
    "file_size of a missing file: ENOENT\n"
    "create_directory outside /tmp: EROFS\n"
    "remove_all: 5\n"
    "exists after remove_all: 0\n"
    "current_path: /tmp\n"
    "mkdir: ok\n"
    "mkdir again: EEXIST\n"
    "open O_CREAT|O_EXCL: ok\n"
    "open O_CREAT|O_EXCL again: EEXIST\n"
    "writev: 11\n"
    "lseek SEEK_END: 11\n"
    "lseek SEEK_SET 6: 6\n"
    "read: 5 world\n"
    "read at the end: 0\n"
    "pwrite at 0: 1\n"
    "pread at 0: 5 Jello\n"
    "readv: 4 Je|ll\n"
    "fstat: ok\n"
    "fstat: regular 1, size 11, mode 600\n"
    "ftruncate to 3: ok\n"
    "stat: ok\n"
    "stat size: 3\n"
    "dup shares the offset: 4\n"
    "dup2 to 40: ok\n"
    "dup3 same fd: EINVAL\n"
    "F_GETFD after dup3 O_CLOEXEC: 1\n"
    "F_GETFL access mode: 2\n"
    "F_DUPFD from 50: 50\n"
    "read a closed fd: EBADF\n"
    "close a closed fd: EBADF\n"
    "open a missing file: ENOENT\n"
    "open a directory for writing: EISDIR\n"
    "open a file as a directory: ENOTDIR\n"
    "open through a file: ENOTDIR\n"
    "create in the read-only root: EROFS\n"
    "access F_OK: ok\n"
    "access missing: ENOENT\n"
    "rename: ok\n"
    "rename missing: ENOENT\n"
    "mkdir sub: ok\n"
    "rename file over directory: EISDIR\n"
    "rmdir non-empty: ENOTEMPTY\n"
    "unlink a directory: EISDIR\n"
    "rmdir a file: ENOTDIR\n"
    "unlink: ok\n"
    "unlink again: ENOENT\n"
    "rmdir sub: ok\n"
    "rmdir: ok\n"
    "chdir to a missing directory: ENOENT\n"
    "/dev/null: write 1, read 0\n"
    "/dev/zero: read 16, zeros 1\n"
    "/dev/urandom: read 16\n"
    "/dev/random: read 16\n"
    "/dev/null: character device 1, rdev 1:3\n"
    "/proc/self/exe: names this program\n"
    "readlink of a non-link: EINVAL\n"
    "mmap of a file: bytes through mmap\n"
    "getcwd: /\n"
    "open a bad path pointer: EFAULT\n"
    "write from a bad buffer: EFAULT\n"
    "write 8 bytes: ok\n"
    "read into a bad buffer: EFAULT\n"
    "stat into a bad buffer: EFAULT\n"
    "filling /tmp: ENOSPC after more than 8 MiB: 1\n"
    "unlink the full file: ok\n"
    "write after unlink: 1048576\n"
    "files: done\n";

TEST_CASE("files: a guest app writes /tmp, reads it back, lists, renames and removes, with Linux's errors") {
  Cli cli;
  const std::string left_behind = "/tmp/monocell-test-files-left-behind";
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    std::filesystem::remove(left_behind);
    const CommandResult r = cli.run(hv, {app_path(hv, "test-files")});
    CHECK(r.err.empty());
    CHECK(r.out == kFilesOutput);
    CHECK(r.exit_code == 0);
    // What the guest wrote stayed in the guest, on the process backend too.
    CHECK(!std::filesystem::exists(left_behind));
  }
}

TEST_CASE("a guest that breaks the ring protocol is stopped while other guests carry on") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto bystander = cli.start(hv, {"--name", "bystander", "echo"});
    REQUIRE(cli.wait_running("bystander"));

    for (const char* mode : {"garbage", "oversize", "malformed", "not-utf8", "wrong-type"}) {
      INFO(hv << " " << mode);
      const CommandResult r = cli.run(hv, {app_path(hv, "test-hostile-guest"), mode}, 30'000);
      CHECK(r.exit_code == 139);
      CHECK(r.err.find("broke the ring protocol") != std::string::npos);
      CHECK(r.err.find("libprotobuf") == std::string::npos);  // monocell speaks, not its libraries
    }

    Client client(cli.socket_of("bystander"));
    v1::Envelope call;
    call.mutable_call()->set_method("echo");
    call.mutable_call()->set_payload("still here");
    CHECK(client.request(call).call_reply().payload() == "still here");
    bystander->signal(SIGTERM);
    CHECK(bystander->wait().exit_code == 128 + SIGTERM);
  }
}

TEST_CASE("a guest that takes requests and never answers cannot make the monitor hoard them") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    INFO(hv);
    auto guest =
        cli.start(hv, {"--name", "silent", "--grace-period", "0.3", app_path(hv, "test-hostile-guest"), "silent"});
    REQUIRE(cli.wait_running("silent"));
    constexpr int kRequests = 600;
    constexpr int kWaitingPerClient = 256;  // orchestrator/monitor.cc: kMaxPendingPerClient
    for (int round = 0; round < 2; ++round) {  // a client that left takes its waiting requests along
      Client client(cli.socket_of("silent"));
      for (int i = 0; i < kRequests; ++i) {
        v1::Envelope ping;
        ping.mutable_ping()->set_nonce(static_cast<uint64_t>(i));
        client.send(ping);
      }
      // The first ones wait for answers that never come; every one past the cap is refused at once.
      int refused = 0;
      while (const std::optional<v1::Envelope> reply = client.next_reply(2000)) {
        CHECK(reply->call_reply().status() == v1::CALL_STATUS_UNAVAILABLE);
        CHECK(reply->call_reply().message().find("requests of this client are waiting for guest silent") !=
              std::string::npos);
        ++refused;
      }
      CHECK(refused == kRequests - kWaitingPerClient);
    }
    guest->signal(SIGTERM);  // ignored by this guest: killed after the grace period
    CHECK(guest->wait().exit_code == 128 + SIGKILL);
  }
}

TEST_CASE("a Call to an unknown method with a huge name still gets a short, well-formed answer") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    INFO(hv);
    auto guest = cli.start(hv, {"--name", "named", "echo"});
    REQUIRE(cli.wait_running("named"));
    Client client(cli.socket_of("named"));
    v1::Envelope call;
    call.mutable_call()->set_method(std::string(60'000, 'm'));
    const v1::Envelope reply = client.request(call);
    CHECK(reply.call_reply().status() == v1::CALL_STATUS_UNKNOWN_METHOD);
    CHECK(reply.call_reply().message().size() < 300);
    CHECK(reply.call_reply().message().find("mmm...\"") != std::string::npos);
    // Cut short between characters, never inside one: 2-byte characters from byte 1 put a
    // character across the cut.
    std::string accented = "a";
    for (int i = 0; i < 150; ++i) accented += "\xc3\xa9";  // U+00E9
    v1::Envelope non_ascii;
    non_ascii.mutable_call()->set_method(accented);
    const v1::Envelope answer = client.request(non_ascii);
    CHECK(answer.call_reply().status() == v1::CALL_STATUS_UNKNOWN_METHOD);
    CHECK(answer.call_reply().message().find("a\xc3\xa9\xc3\xa9") != std::string::npos);
    guest->signal(SIGTERM);
    CHECK(guest->wait().exit_code == 128 + SIGTERM);
  }
}

TEST_CASE("a guest speaking another protocol version is refused") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    INFO(hv);
    const CommandResult r = cli.run(hv, {app_path(hv, "test-hostile-old-version")});
    CHECK(r.exit_code == 126);
    CHECK(r.err.find("the guest speaks protocol 7..9") != std::string::npos);
  }
}

TEST_CASE("Call, Ping and StatsRequest round-trip to a running guest") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto guest = cli.start(hv, {"--name", "rt", "echo"});
    REQUIRE(cli.wait_running("rt"));
    Client client(cli.socket_of("rt"));

    v1::Envelope call;
    call.mutable_call()->set_method("echo");
    call.mutable_call()->set_payload(std::string("\0binary\xff", 8));
    const v1::Envelope reply = client.request(call);
    CHECK(reply.call_reply().status() == v1::CALL_STATUS_OK);
    CHECK(reply.call_reply().payload() == std::string("\0binary\xff", 8));

    v1::Envelope unknown;
    unknown.mutable_call()->set_method("nope");
    CHECK(client.request(unknown).call_reply().status() == v1::CALL_STATUS_UNKNOWN_METHOD);

    v1::Envelope ping;
    ping.mutable_ping()->set_nonce(0xC0FFEE);
    CHECK(client.request(ping).pong().nonce() == 0xC0FFEE);

    v1::Envelope stats_request;
    stats_request.mutable_stats_request();
    const v1::Stats stats = client.request(stats_request).stats();
    CHECK(stats.uptime_ns() > 0);
    CHECK(stats.memory().used_bytes() > 0);
    REQUIRE(stats.rings_size() >= 2);
    CHECK(stats.rings(0).frames() >= 3);  // Hello, Ready and the replies so far

    guest->signal(SIGTERM);
    CHECK(guest->wait().exit_code == 128 + SIGTERM);
  }
}

TEST_CASE("10,000 Calls return the right payloads") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto guest = cli.start(hv, {"--name", "many", "echo"});
    REQUIRE(cli.wait_running("many"));
    Client client(cli.socket_of("many"));
    int right = 0;
    for (int i = 0; i < 10'000; ++i) {
      v1::Envelope call;
      call.mutable_call()->set_method("echo");
      call.mutable_call()->set_payload("payload-" + std::to_string(i) + std::string(static_cast<size_t>(i % 300), 'x'));
      const v1::Envelope reply = client.request(call);
      if (reply.call_reply().payload() == call.call().payload()) ++right;
    }
    CHECK(right == 10'000);
    guest->signal(SIGTERM);
    guest->wait();
  }
}

TEST_CASE("a reply whose doorbell never rang is still delivered, found by the monitor's idle check") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;  // one per hypervisor: a name stays taken until rm
    auto guest = cli.start(hv, {"--name", "quiet", "--grace-period", "0.3", app_path(hv, "test-hostile-guest"),
                                "no-doorbell"});
    REQUIRE(cli.wait_running("quiet"));
    Client client(cli.socket_of("quiet"));
    v1::Envelope call;
    call.mutable_call()->set_method("echo");
    call.mutable_call()->set_payload("heard anyway");
    CHECK(client.request(call).call_reply().payload() == "heard anyway");
    guest->signal(SIGTERM);
    const CommandResult r = guest->wait();
    INFO(hv << "\nstderr: " << r.err);
    CHECK(r.err.find("a lost wakeup: the guest published data and no doorbell woke the monitor") != std::string::npos);
  }
}

TEST_CASE("monocell call prints the reply and fails clearly for unknown guests and methods") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto guest = cli.start(hv, {"--name", "callee", "echo"});
    REQUIRE(cli.wait_running("callee"));
    const CommandResult ok = monocell::testing::run_command({MONOCELL_BIN, "call", "callee", "echo", "hi"}, cli.env());
    CHECK(ok.exit_code == 0);
    CHECK(ok.out == "hi");
    const CommandResult no_method =
        monocell::testing::run_command({MONOCELL_BIN, "call", "callee", "nope", "hi"}, cli.env());
    CHECK(no_method.exit_code == 1);
    CHECK(no_method.err.find("UNKNOWN_METHOD") != std::string::npos);
    const CommandResult no_guest =
        monocell::testing::run_command({MONOCELL_BIN, "call", "ghost", "echo", "hi"}, cli.env());
    CHECK(no_guest.exit_code == 1);
    CHECK(no_guest.err.find("no guest named \"ghost\"") != std::string::npos);
    guest->signal(SIGTERM);
    guest->wait();
  }
}

TEST_CASE("SIGTERM stops the guest gracefully and run exits with the guest's code") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto guest = cli.start(hv, {"--name", "term", "echo"});
    REQUIRE(cli.wait_running("term"));
    guest->signal(SIGTERM);
    const CommandResult r = guest->wait();
    CHECK(r.exit_code == 128 + SIGTERM);  // echo returns what serve() says for SIGTERM
    CHECK(r.out.find("echo: stopping (code 143)") != std::string::npos);  // it ran its own shutdown
    CHECK(r.err.find("forwarded SIGTERM") != std::string::npos);
  }
}

TEST_CASE("the host's SIGTERM runs the handler the app installed with sigaction") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;  // one per hypervisor: a name stays taken until rm
    auto guest = cli.start(hv, {"--name", "handler", app_path(hv, "test-signals"), "host-sigterm"});
    REQUIRE(cli.wait_running("handler"));
    guest->signal(SIGTERM);
    const CommandResult r = guest->wait();
    INFO(hv << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(r.exit_code == 42);  // what the handler asked serve() to return
    CHECK(r.out.find("signals: my handler got signal 15 from the host") != std::string::npos);
  }
}

TEST_CASE("a guest that ignores SIGTERM is killed after the grace period") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto guest = cli.start(hv, {"--name", "deaf", "--grace-period", "0.3", app_path(hv, "test-hostile-guest"), "deaf"});
    REQUIRE(cli.wait_running("deaf"));
    guest->signal(SIGTERM);
    const CommandResult r = guest->wait(10'000);
    CHECK(r.exit_code == 128 + SIGKILL);
    CHECK(r.err.find("did not stop within its 300 ms grace period") != std::string::npos);
  }
}

TEST_CASE("a guest running past its --timeout is killed") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    const CommandResult r = cli.run(hv, {"--timeout", "0.5", "echo"}, 10'000);
    CHECK(r.exit_code == 124);
    CHECK(r.err.find("timeout") != std::string::npos);
  }
}

TEST_CASE("an idle guest costs the host almost no CPU, and says so in its stats") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto guest = cli.start(hv, {"--name", "idle", "echo"});
    REQUIRE(cli.wait_running("idle"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let start-up settle
    const pid_t monitor = guest->pid();
    const pid_t child = child_of(monitor);  // the guest process (process backend), or none
    REQUIRE(cpu_ns(monitor) > 0);  // the measurement sees the monitor's start-up work
    // The guest's own account, before and after the idle time (its boot's work is not idle:
    // under the Xen rig's software emulation it alone takes about a second).
    v1::Envelope stats_request;
    stats_request.mutable_stats_request();
    const v1::Stats stats_before = Client(cli.socket_of("idle")).request(stats_request).stats();
    const uint64_t before = cpu_ns(monitor) + (child > 0 ? cpu_ns(child) : 0);
    // On Xen the guest's vCPU is the domain's, outside any dom0 process.
    const std::optional<uint64_t> domain_before = hv == "xen" ? domain_cpu_ns("idle") : std::nullopt;
    if (hv == "xen") REQUIRE(domain_before.has_value());  // xl sees the guest's domain
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const uint64_t after = cpu_ns(monitor) + (child > 0 ? cpu_ns(child) : 0);
    const double share = static_cast<double>(after - before) / 2e9;
    INFO("idle guest used " << share * 100 << "% of one core");
    CHECK(share < 0.02);
    if (hv == "xen") {
      // xl reports tenths of a second: a domain that kept its vCPU busy for 2 s shows 2.0.
      const std::optional<uint64_t> domain_after = domain_cpu_ns("idle");
      REQUIRE(domain_after.has_value());
      const double domain_share = static_cast<double>(*domain_after - *domain_before) / 2e9;
      INFO("the idle guest's domain used " << domain_share * 100 << "% of one vCPU");
      CHECK(domain_share <= 0.1);
    }
    // The guest's own account agrees: it used a small part of the time it was idle.
    const v1::Stats stats = Client(cli.socket_of("idle")).request(stats_request).stats();
    const uint64_t idle_cpu_ns = stats.cpu_time_ns() - stats_before.cpu_time_ns();
    const uint64_t idle_uptime_ns = stats.uptime_ns() - stats_before.uptime_ns();
    INFO("guest cpu_time_ns " << idle_cpu_ns << " of uptime_ns " << idle_uptime_ns << " while idle");
    CHECK(stats_before.cpu_time_ns() > 0);
    REQUIRE(stats.cpu_time_ns() >= stats_before.cpu_time_ns());
    REQUIRE(idle_uptime_ns > 1'000'000'000);
    CHECK(idle_cpu_ns < idle_uptime_ns / 10);
    guest->signal(SIGTERM);
    guest->wait();
  }
}

TEST_CASE("usage errors and missing apps get docker's exit codes") {
  Cli cli;
  // An executable file that is no app: neither a runtime-linked program nor a guest image.
  const TempDir files;
  const std::string not_an_app = files.path() + "/not-an-app";
  std::ofstream(not_an_app) << "this is text, not an ELF\n";
  std::filesystem::permissions(not_an_app, std::filesystem::perms::owner_all);
  for (const std::string& hv : hypervisors()) {
    INFO(hv);
    CHECK(monocell::testing::run_command({MONOCELL_BIN, "run", "--hypervisor", hv, "no-such-app"}, cli.env())
              .exit_code == 127);
    CHECK(monocell::testing::run_command({MONOCELL_BIN, "run", "--hypervisor", hv, not_an_app}, cli.env())
              .exit_code == 126);
  }
  const CommandResult bad_flag = monocell::testing::run_command({MONOCELL_BIN, "run", "--bogus", "hello"}, cli.env());
  CHECK(bad_flag.exit_code == 125);
  CHECK(monocell::testing::run_command({MONOCELL_BIN, "run", "--hypervisor", "process", "--name", "bad/name", "hello"},
                                       cli.env())
            .exit_code == 125);
}

TEST_CASE("ps lists a running guest, stats shows its counters, stop shuts it down gracefully") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto guest = cli.start(hv, {"--name", "managed", "echo"});
    REQUIRE(cli.wait_running("managed"));

    const CommandResult ps = monocell::testing::run_command({MONOCELL_BIN, "ps"}, cli.env());
    CHECK(ps.exit_code == 0);
    CHECK(ps.out.find("managed") != std::string::npos);
    CHECK(ps.out.find("running") != std::string::npos);
    CHECK(ps.out.find(hv) != std::string::npos);

    const CommandResult stats = monocell::testing::run_command({MONOCELL_BIN, "stats", "managed"}, cli.env());
    CHECK(stats.exit_code == 0);
    CHECK(stats.out.find("uptime") != std::string::npos);
    CHECK(stats.out.find("ring control.to_host") != std::string::npos);

    const CommandResult stop = monocell::testing::run_command({MONOCELL_BIN, "stop", "managed"}, cli.env());
    CHECK(stop.exit_code == 0);
    const CommandResult run = guest->wait(10'000);
    CHECK(run.exit_code == 0);  // a Shutdown is a clean stop: serve() returns 0
    CHECK(run.out.find("echo: stopping (code 0)") != std::string::npos);
    CHECK(monocell::testing::run_command({MONOCELL_BIN, "ps"}, cli.env()).out.find("managed") == std::string::npos);
    CHECK(monocell::testing::run_command({MONOCELL_BIN, "stop", "managed"}, cli.env()).exit_code == 1);
  }
}

TEST_CASE("stop kills a guest that ignores the Shutdown once the grace period ends") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    auto guest = cli.start(hv, {"--name", "stubborn", app_path(hv, "test-hostile-guest"), "deaf"});
    REQUIRE(cli.wait_running("stubborn"));
    const CommandResult stop =
        monocell::testing::run_command({MONOCELL_BIN, "stop", "--grace-period", "0.2", "stubborn"}, cli.env());
    CHECK(stop.exit_code == 0);
    CHECK(guest->wait(10'000).exit_code == 128 + SIGKILL);
  }
}

// The names of the Xen domains that exist, from `xl list`.
std::vector<std::string> xen_domains() {
  const CommandResult r = monocell::testing::run_command({"/bin/sh", "-c", "xl list"}, {}, 10'000);
  std::vector<std::string> names;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name;
    if (fields >> name) names.push_back(name);
  }
  return names;
}

TEST_CASE("a monitor killed with SIGKILL leaves no guest behind, and ps -a shows the guest ended") {
  for (const std::string& hv : hypervisors()) {
    Cli cli;
    INFO(hv);
    auto guest = cli.start(hv, {"--name", "orphan", "echo"});
    REQUIRE(cli.wait_running("orphan"));
    const pid_t child = child_of(guest->pid());  // the guest process (process backend)
    guest->signal(SIGKILL);
    guest->wait(10'000);
    bool gone = false;
    for (int i = 0; i < 300 && !gone; ++i) {  // up to 30 s: a domain's destruction is slow under TCG
      if (hv == "xen") {
        gone = xen_domains() == std::vector<std::string>{"Domain-0"};
      } else if (hv == "process") {
        gone = !process_alive(child);
      } else {
        gone = true;  // the VM lived in the monitor's own process
      }
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(gone);
    const CommandResult ps = monocell::testing::run_command({MONOCELL_BIN, "ps", "-a"}, cli.env());
    CHECK(ps.out.find("orphan") != std::string::npos);
    CHECK(ps.out.find("exited (unknown)") != std::string::npos);
    CHECK(ps.out.find("running") == std::string::npos);
    CHECK(monocell::testing::run_command({MONOCELL_BIN, "ps"}, cli.env()).out.find("orphan") == std::string::npos);
  }
}
