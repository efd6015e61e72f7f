// The monocell CLI run against a state directory of the bench's own, its processes tagged.
#include "tests/bench/isolated_monocell.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/bench/host_census.h"

extern char** environ;

namespace monocell::bench {
namespace fs = std::filesystem;

namespace {

volatile sig_atomic_t g_interrupted = 0;

void on_interrupt(int) { g_interrupted = 1; }

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Reads what is there without waiting; false at end of file or on an error other than EAGAIN.
bool read_available(int fd, std::string* into) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into->append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

// One spawned CLI: its pid, a pidfd that turns readable when it exits, and pipes from its
// stdout and stderr (read as they fill, so a large `ps --format json` never blocks it).
class RunningCommand {
 public:
  RunningCommand(const std::string& monocell, const std::vector<std::string>& args, bool capture_stdout) {
    std::vector<std::string> argv = {monocell};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (std::string& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    int out[2] = {-1, -1};
    int err[2];
    // Only our ends are non-blocking: a CLI whose stdout would not block drops what a full
    // pipe does not take.
    if ((capture_stdout && pipe2(out, O_CLOEXEC) != 0) || pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    for (const int fd : {out[0], err[0]}) {
      if (fd >= 0) fcntl(fd, F_SETFL, O_NONBLOCK);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (capture_stdout) {
      posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    start_ = std::chrono::steady_clock::now();
    const int failed = posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (out[1] >= 0) close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (failed != 0) {
      close_pipes();
      throw std::runtime_error("posix_spawn " + monocell + ": " + std::strerror(failed));
    }
    pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0) {
      const int saved = errno;
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      close_pipes();
      throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(saved));
    }
  }
  ~RunningCommand() {
    if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close_pipes();
    if (pidfd_ >= 0) close(pidfd_);
  }
  RunningCommand(const RunningCommand&) = delete;
  RunningCommand& operator=(const RunningCommand&) = delete;

  // The fds to poll: the pidfd and the open pipes.
  void add_pollfds(std::vector<pollfd>* fds) const {
    fds->push_back({pidfd_, POLLIN, 0});
    if (out_fd_ >= 0) fds->push_back({out_fd_, POLLIN, 0});
    if (err_fd_ >= 0) fds->push_back({err_fd_, POLLIN, 0});
  }

  // Reads what its pipes hold; true once it has exited (then the result is complete). Its
  // pipes may stay open in a monitor it started, so its exit, not their end, ends it.
  bool pump() {
    pump_pipe(&out_fd_, &result_.out);
    pump_pipe(&err_fd_, &result_.err);
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r != pid_) return false;
    reaped_ = true;
    result_.ms = ms_since(start_);
    result_.status = status;
    result_.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    pump_pipe(&out_fd_, &result_.out);
    pump_pipe(&err_fd_, &result_.err);
    close_pipes();
    return true;
  }

  const CommandResult& result() const { return result_; }

 private:
  static void pump_pipe(int* fd, std::string* into) {
    if (*fd >= 0 && !read_available(*fd, into)) {
      close(*fd);
      *fd = -1;
    }
  }
  void close_pipes() {
    for (int* fd : {&out_fd_, &err_fd_}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
  }

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  std::chrono::steady_clock::time_point start_;
  CommandResult result_;
};

void wait_for_any(const std::vector<RunningCommand*>& running) {
  std::vector<pollfd> fds;
  for (const RunningCommand* c : running) c->add_pollfds(&fds);
  while (poll(fds.data(), fds.size(), 1000) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::string CommandResult::describe() const {
  std::string text;
  if (WIFEXITED(status)) {
    text = "exited with " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    text = std::string("died of ") + strsignal(WTERMSIG(status));
  } else {
    text = "status " + std::to_string(status);
  }
  std::string message = err;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message.empty() ? text : text + ": " + message;
}

void install_interrupt_flag() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal, &action, nullptr);
}

bool interrupted() { return g_interrupted != 0; }

IsolatedMonocell::IsolatedMonocell(std::string monocell) : monocell_(std::move(monocell)) {
  // Short: a guest's control socket is <state>/<name>/control.sock, and sun_path holds 108 bytes.
  char dir[] = "/tmp/monocell-density-XXXXXX";
  if (mkdtemp(dir) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  state_dir_ = dir;
  tag_ = "MONOCELL_BENCH_TAG=" + state_dir_;
  // Both set: a MONOCELL_DATA_DIR of the user's would otherwise still hold the guests' records.
  setenv("MONOCELL_STATE_DIR", state_dir_.c_str(), 1);
  setenv("MONOCELL_DATA_DIR", (state_dir_ + "/.data").c_str(), 1);
  setenv("MONOCELL_BENCH_TAG", state_dir_.c_str(), 1);
}

IsolatedMonocell::~IsolatedMonocell() { remove_everything(); }

CommandResult IsolatedMonocell::run(const std::vector<std::string>& args, bool capture_stdout) const {
  RunningCommand command(monocell_, args, capture_stdout);
  while (!command.pump()) wait_for_any({&command});
  return command.result();
}

size_t IsolatedMonocell::run_all(const std::vector<std::vector<std::string>>& commands, int jobs,
                                 const std::function<void(size_t, const CommandResult&)>& done) const {
  struct Slot {
    size_t index;
    std::unique_ptr<RunningCommand> command;
  };
  std::vector<Slot> running;
  size_t next = 0;
  size_t succeeded = 0;
  bool stop = false;
  while (!running.empty() || (!stop && next < commands.size())) {
    while (!stop && next < commands.size() && running.size() < static_cast<size_t>(std::max(1, jobs))) {
      if (interrupted()) {
        stop = true;
        break;
      }
      running.push_back({next, std::make_unique<RunningCommand>(monocell_, commands[next], false)});
      ++next;
    }
    if (running.empty()) break;
    std::vector<RunningCommand*> waiting;
    for (Slot& s : running) waiting.push_back(s.command.get());
    wait_for_any(waiting);
    for (auto it = running.begin(); it != running.end();) {
      if (!it->command->pump()) {
        ++it;
        continue;
      }
      const CommandResult& result = it->command->result();
      if (result.ok) {
        ++succeeded;
      } else {
        stop = true;
      }
      done(it->index, result);
      it = running.erase(it);
    }
  }
  return succeeded;
}

std::vector<std::string> IsolatedMonocell::guest_names() const {
  const CommandResult listed = run({"ps", "-a", "--format", "json"}, true);
  std::vector<std::string> names;
  if (!listed.ok) return names;
  try {
    for (const auto& guest : nlohmann::json::parse(listed.out)) names.push_back(guest.at("name").get<std::string>());
  } catch (const std::exception&) {
    names.clear();
  }
  return names;
}

void IsolatedMonocell::remove_everything() {
  if (removed_) return;
  removed_ = true;
  // In batches, so no command line grows past what exec takes.
  const std::vector<std::string> names = guest_names();
  constexpr size_t kBatch = 200;
  for (size_t i = 0; i < names.size(); i += kBatch) {
    std::vector<std::string> args = {"rm", "-f"};
    args.insert(args.end(), names.begin() + static_cast<long>(i),
                names.begin() + static_cast<long>(std::min(names.size(), i + kBatch)));
    const CommandResult removed = run(args);
    if (!removed.ok) std::fprintf(stderr, "density: cleanup: monocell rm -f: %s\n", removed.describe().c_str());
  }
  // What still carries the tag (a monitor rm -f could not reach, a guest process it left) is
  // killed by its pid: these processes are this bench's and nobody else's.
  for (int round = 0; round < 100; ++round) {
    const std::vector<ProcessUsage> left = tagged_processes(tag_, false);
    if (left.empty()) break;
    if (round == 0) std::fprintf(stderr, "density: cleanup: %zu processes left after rm -f; killing them\n", left.size());
    if (round % 10 == 0) {
      for (const ProcessUsage& p : left) kill(p.pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::error_code ec;
  fs::remove_all(state_dir_, ec);
  if (ec) std::fprintf(stderr, "density: cleanup: cannot remove %s: %s\n", state_dir_.c_str(), ec.message().c_str());
}

}  // namespace monocell::bench
