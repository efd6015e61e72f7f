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

namespace monocell {
namespace {

int open_pidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const GuestConfig& config, const int fds[3], int error_fd, char* const* envp) {
  // Leave the terminal's process group: Ctrl-C goes to the monitor, which forwards it as a
  // Signal message. Die with the monitor, as a VM dies with its VMM.
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Move the sources above the target numbers first, so no dup2 clobbers another source.
  int high[3];
  for (int i = 0; i < 3; ++i) high[i] = fcntl(fds[i], F_DUPFD, 10);
  for (int i = 0; i < 3; ++i) {
    if (high[i] < 0 || dup2(high[i], process_abi::kRegionFd + i) < 0) {
      const int e = errno;
      [[maybe_unused]] ssize_t n = write(error_fd, &e, sizeof e);
      _exit(127);
    }
  }
  const char* path = config.image.c_str();
  char* args[2] = {const_cast<char*>(config.app.c_str()), nullptr};
  execve(path, args, envp);
  const int e = errno;
  [[maybe_unused]] ssize_t n = write(error_fd, &e, sizeof e);
  _exit(127);
}

}  // namespace

std::unique_ptr<ProcessBackend> ProcessBackend::start(const GuestConfig& config, std::string* error) {
  std::unique_ptr<ProcessBackend> b;
  try {
    b.reset(new ProcessBackend(config.rings));
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  // The environment of the child is the launch contract only; the app's own environment
  // arrives in Start, as it would inside a VM.
  const std::string version = std::string(process_abi::kEnvVersion) + "=" + std::to_string(process_abi::kProcessAbiVersion);
  const std::string size = std::string(process_abi::kEnvRegionSize) + "=" + std::to_string(b->region_.size());
  char* envp[3] = {const_cast<char*>(version.c_str()), const_cast<char*>(size.c_str()), nullptr};
  const int fds[3] = {b->region_.fd(), b->wake_host_.fd(), b->wake_guest_.fd()};

  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(error_pipe[0]);
    close(error_pipe[1]);
    return nullptr;
  }
  if (pid == 0) exec_child(config, fds, error_pipe[1], envp);
  close(error_pipe[1]);
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
  if (pidfd_ >= 0) close(pidfd_);
  if (exec_error_fd_ >= 0) close(exec_error_fd_);
}

GuestEnd ProcessBackend::end() {
  if (reaped_) return end_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  int exec_errno = 0;
  if (read(exec_error_fd_, &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    end_.kind = GuestEnd::Kind::kCannotStart;
    end_.code = (exec_errno == ENOENT || exec_errno == ENOTDIR) ? 127 : 126;
    end_.report = std::string("cannot execute the app: ") + std::strerror(exec_errno);
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
