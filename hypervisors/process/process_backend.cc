// The process backend.
#include "hypervisors/process/process_backend.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "hypervisors/process/process_abi.h"
#include "hypervisors/process/process_confinement.h"

namespace monocell {
namespace {

int open_pidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// What a child that could not start tells the monitor: errno, and the step that failed when it
// was not the exec itself.
struct ChildFailure {
  int error;
  char step[124];
};

// In the child: reports errno (and `step`) to the monitor through `error_fd`, and ends.
[[noreturn]] void fail_child(int error_fd, const char* step = "", int error = errno) {
  ChildFailure failure{};
  failure.error = error;
  for (size_t i = 0; i + 1 < sizeof failure.step && step[i] != '\0'; ++i) failure.step[i] = step[i];
  [[maybe_unused]] ssize_t n = write(error_fd, &failure, sizeof failure);
  _exit(127);
}

// In the child, between fork and exec: only async-signal-safe calls. `fds` go to the fd
// numbers of the launch contract; nothing else of the monitor's reaches the app.
[[noreturn]] void exec_child(const GuestConfig& config, const int fds[3], int error_fd, char* const* envp,
                             pid_t monitor, const process_confinement::RootPlan* root) {
  // Leave the terminal's process group: Ctrl-C goes to the monitor, which forwards it as a
  // Signal message. Die with the monitor, as a VM dies with its VMM (and if the monitor is
  // already gone, do not start at all).
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != monitor) _exit(127);
  // The monitor blocks its stop signals and ignores SIGPIPE; the app starts as any process.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  // Move the sources above the target numbers first, so no dup2 clobbers another source.
  int high[3];
  for (int i = 0; i < 3; ++i) {
    high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
    if (high[i] < 0) fail_child(error_fd);
  }
  for (int i = 0; i < 3; ++i) {
    if (dup2(high[i], process_abi::kRegionFd + i) < 0) fail_child(error_fd);
  }
  // No terminal input: the app is not in the foreground group (input arrives on the rings).
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0) fail_child(error_fd);
  // Everything else the monitor inherited or opened stays out of the app.
  if (error_fd > process_abi::kWakeGuestFd + 1) {
    close_range(process_abi::kWakeGuestFd + 1, static_cast<unsigned>(error_fd - 1), 0);
  }
  close_range(static_cast<unsigned>(error_fd) + 1, ~0u, 0);
  // The app is found before its files are confined: it may live where the confinement hides
  // (a fresh /tmp covers the host's).
  const int exe = open(config.image.c_str(), O_PATH | O_CLOEXEC);
  if (exe < 0) fail_child(error_fd);
  // Files: what the app writes must not reach the host, as from inside a VM.
  const char* step = "";
  if (const int e = process_confinement::confine_files(config.memory_mib << 19, root, &step); e != 0) {
    fail_child(error_fd, step, e);
  }
  char* args[2] = {const_cast<char*>(config.app.c_str()), nullptr};
  syscall(SYS_execveat, exe, "", args, envp, AT_EMPTY_PATH);
  fail_child(error_fd);
}

}  // namespace

void ProcessBackend::PipeDoorbell::notify() {
  const char token = 1;
  // EAGAIN: the pipe is full, so the guest has wakeups pending anyway.
  while (::write(fd, &token, 1) < 0 && errno == EINTR) {
  }
}

void ProcessBackend::consume_host_wakeup() {
  char tokens[256];
  while (::read(wake_host_read_, tokens, sizeof tokens) > 0) {
  }
}

std::unique_ptr<ProcessBackend> ProcessBackend::start(const GuestConfig& config, std::string* error) {
  std::unique_ptr<ProcessBackend> b;
  try {
    b.reset(new ProcessBackend(config.rings));
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
  if (!config.file_tree.empty()) {
    try {
      b->image_root_ = process_confinement::ImageRoot::extract(config.file_tree, config.state_dir);
    } catch (const std::exception& e) {
      *error = e.what();
      return nullptr;
    }
  }
  int error_pipe[2];
  int host_pipe[2];  // the guest writes, we read
  int guest_pipe[2];  // we write, the guest reads
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  if (pipe2(host_pipe, O_CLOEXEC | O_NONBLOCK) != 0 || pipe2(guest_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    close(error_pipe[0]);
    close(error_pipe[1]);
    return nullptr;
  }
  b->wake_host_read_ = host_pipe[0];
  b->doorbell_.fd = guest_pipe[1];
  // The environment of the child is the launch contract only; the app's own environment
  // arrives in Start, as it would inside a VM.
  const std::string version = std::string(process_abi::kEnvVersion) + "=" + std::to_string(process_abi::kProcessAbiVersion);
  const std::string size = std::string(process_abi::kEnvRegionSize) + "=" + std::to_string(b->region_.size());
  char* envp[3] = {const_cast<char*>(version.c_str()), const_cast<char*>(size.c_str()), nullptr};
  const int fds[3] = {b->region_.fd(), host_pipe[1], guest_pipe[0]};

  const pid_t monitor = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    for (const int fd : {error_pipe[0], error_pipe[1], host_pipe[1], guest_pipe[0]}) close(fd);
    return nullptr;
  }
  if (pid == 0) exec_child(config, fds, error_pipe[1], envp, monitor, b->image_root_ ? &b->image_root_->plan() : nullptr);
  for (const int fd : {error_pipe[1], host_pipe[1], guest_pipe[0]}) close(fd);  // the guest's ends
  b->pid_ = pid;
  b->exec_error_fd_ = error_pipe[0];
  b->pidfd_ = open_pidfd(pid);
  if (b->pidfd_ < 0) {
    *error = std::string("pidfd_open: ") + std::strerror(errno);
    b->kill();
    return nullptr;
  }
  return b;
}

ProcessBackend::~ProcessBackend() {
  if (!reaped_ && pid_ > 0) {
    kill();
    end();
  }
  // Whatever the app left running in its process group goes with it, as it would with a VM.
  if (pid_ > 0) killpg(pid_, SIGKILL);
  for (const int fd : {pidfd_, exec_error_fd_, wake_host_read_, doorbell_.fd}) {
    if (fd >= 0) close(fd);
  }
}

GuestEnd ProcessBackend::end() {
  if (reaped_) return end_;
  int status = 0;
  int rc;
  while ((rc = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  if (rc < 0) {  // e.g. SIGCHLD ignored by whoever started us: the status is lost
    end_.kind = GuestEnd::Kind::kCannotStart;
    end_.code = 125;
    end_.report = std::string("cannot learn how the guest process ended: waitpid: ") + std::strerror(errno);
    return end_;
  }
  ChildFailure failure{};
  if (read(exec_error_fd_, &failure, sizeof failure) == sizeof failure) {
    failure.step[sizeof failure.step - 1] = '\0';
    const int exec_errno = failure.error;
    end_.kind = GuestEnd::Kind::kCannotStart;
    if (failure.step[0] != '\0') {
      end_.code = 126;
      end_.report = std::string("cannot confine the app's files (") + failure.step + "): " + std::strerror(exec_errno);
    } else {
      end_.code = (exec_errno == ENOENT || exec_errno == ENOTDIR) ? 127 : 126;
      end_.report = std::string("cannot execute the app: ") + std::strerror(exec_errno);
    }
  } else if (WIFEXITED(status)) {
    end_.kind = GuestEnd::Kind::kExited;
    end_.code = WEXITSTATUS(status);
  } else {
    end_.kind = GuestEnd::Kind::kSignaled;
    end_.signal = WTERMSIG(status);
    end_.code = 128 + end_.signal;
    const char* name = sigabbrev_np(end_.signal);
    end_.report = "the guest process was killed by signal " + std::to_string(end_.signal) +
                  (name != nullptr ? std::string(" (SIG") + name + ")" : "");
  }
  return end_;
}

void ProcessBackend::kill() {
  if (!reaped_ && pidfd_ >= 0) {
    syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
  } else if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
  }
}

}  // namespace monocell
