// The reaper: started by the monitor, ending after it.
#include "hypervisors/xen/xen_reaper.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hypervisors/xen/xen_domain.h"
#include "hypervisors/xen/xen_error.h"

extern char** environ;

namespace monocell::xen {
namespace {

constexpr char kArgv0[] = "monocell-xen-reaper";
constexpr char kModeVariable[] = "MONOCELL_XEN_REAPER";
constexpr int kPipeFd = 3;  // the read end, in the reaper
constexpr char kDisarm = 'D';
// Attempts to destroy the domain, a second apart, before the reaper gives up.
constexpr int kDestroyAttempts = 5;

// The reaper's whole life: wait for the monitor's end, then destroy what it left.
int reap(const char* uuid_text, const char* domain_name) {
  prctl(PR_SET_NAME, "monocell-reaper");
  for (const int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) signal(s, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  close_range(kPipeFd + 1, ~0u, 0);  // nothing else of the monitor's stays open here

  bool disarmed = false;
  char buffer[64];
  for (;;) {
    const ssize_t n = read(kPipeFd, buffer, sizeof buffer);
    if (n > 0) {
      disarmed = disarmed || std::memchr(buffer, kDisarm, static_cast<size_t>(n)) != nullptr;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EOF: the monitor is gone, or let us go
  }
  if (disarmed) return 0;
  const sched_param normal{};
  sched_setscheduler(0, SCHED_OTHER, &normal);  // best effort: an idle reaper still reaps

  libxl_uuid uuid;
  if (libxl_uuid_from_string(&uuid, uuid_text) != 0) return 2;
  std::string last_error;
  try {
    XenContext context;
    for (int attempt = 0; attempt < kDestroyAttempts; ++attempt) {
      const auto domid = find_domain_by_uuid(context, uuid);
      if (!domid) return 0;  // the monitor destroyed it after all
      char* name = libxl_domid_to_name(context.get(), *domid);
      const bool same = name != nullptr && std::strcmp(name, domain_name) == 0;
      std::free(name);
      if (!same) return 0;  // not the domain we were started for
      if (destroy_domain(context, *domid, &last_error)) {
        std::fprintf(stderr, "monocell: the monitor of Xen domain %s is gone; destroyed the domain (domid %u)\n",
                     domain_name, *domid);
        return 0;
      }
      sleep(1);
    }
  } catch (const std::exception& e) {
    last_error = e.what();
  }
  std::fprintf(stderr, "monocell: the monitor of Xen domain %s is gone, and its domain could not be destroyed: %s; "
               "destroy it with `xl destroy %s`\n", domain_name, last_error.c_str(), domain_name);
  return 1;
}

// Runs before main() in every program that links the reaper: the reaper is that program
// started by Reaper::spawn, and never reaches main().
__attribute__((constructor)) void reaper_entry(int argc, char** argv, char**) {
  const char* mode = std::getenv(kModeVariable);
  if (mode == nullptr || std::strcmp(mode, "1") != 0 || argc != 3 || std::strcmp(argv[0], kArgv0) != 0) return;
  _exit(reap(argv[1], argv[2]));
}

}  // namespace

std::unique_ptr<Reaper> Reaper::spawn(const std::string& uuid, const std::string& domain_name) {
  // Everything the children need is built before fork: between fork and exec only
  // async-signal-safe calls are allowed (other threads may hold locks).
  std::string mode = std::string(kModeVariable) + "=1";
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, kModeVariable, sizeof kModeVariable - 1) != 0) envp.push_back(*e);
  }
  envp.push_back(mode.data());
  envp.push_back(nullptr);
  std::string argv0 = kArgv0;
  std::string uuid_arg = uuid;
  std::string name_arg = domain_name;
  char* argv[] = {argv0.data(), uuid_arg.data(), name_arg.data(), nullptr};

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw_errno("pipe2 (for the domain's reaper)");
  int exec_error[2];
  if (pipe2(exec_error, O_CLOEXEC) != 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw_errno("pipe2 (for the domain's reaper)");
  }
  // fd 3 is where the reaper finds its pipe: the exec-error pipe must not sit there.
  if (exec_error[1] == kPipeFd) {
    const int moved = fcntl(exec_error[1], F_DUPFD_CLOEXEC, kPipeFd + 1);
    close(exec_error[1]);
    exec_error[1] = moved;
  }
  const pid_t child = fork();
  if (child == 0) {
    // The middle process exits at once: the reaper is nobody's child to wait for, and is
    // adopted by init (or the nearest subreaper) when the monitor ends.
    const pid_t reaper = fork();
    if (reaper != 0) _exit(reaper < 0 ? 1 : 0);
    setsid();  // out of the terminal's process group: Ctrl-C and SIGHUP are not for it
    // Its start-up (loading this executable again) only in time the CPU has spare: on a dom0
    // of one vCPU it would otherwise delay the domain's creation. reap() takes a normal
    // priority back once it has work.
    const sched_param idle{};
    sched_setscheduler(0, SCHED_IDLE, &idle);
    const int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
      dup2(null_fd, STDOUT_FILENO);  // never holds the monitor's stdout open
    }
    if (pipe_fds[0] == kPipeFd) {
      fcntl(kPipeFd, F_SETFD, 0);
    } else if (dup2(pipe_fds[0], kPipeFd) < 0) {
      _exit(127);
    }
    execve("/proc/self/exe", argv, envp.data());
    const int e = errno;
    [[maybe_unused]] const ssize_t n = write(exec_error[1], &e, sizeof e);
    _exit(127);
  }
  const int fork_errno = errno;
  close(pipe_fds[0]);
  close(exec_error[1]);
  if (child < 0) {
    close(pipe_fds[1]);
    close(exec_error[0]);
    errno = fork_errno;
    throw_errno("fork (the domain's reaper)");
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    close(pipe_fds[1]);
    close(exec_error[0]);
    errno = EAGAIN;
    throw_errno("starting the domain's reaper (fork)");
  }
  // Whether its exec worked is asked later (confirm_started): at idle priority the exec may
  // wait for the CPU, and the domain's creation need not wait with it.
  return std::unique_ptr<Reaper>(new Reaper(pipe_fds[1], exec_error[0]));
}

Reaper::~Reaper() {
  close(pipe_write_);
  if (exec_check_ >= 0) close(exec_check_);
}

void Reaper::confirm_started() {
  if (exec_check_ < 0) return;
  // EOF once the reaper exec'd (its copy is close-on-exec); its errno if the exec failed.
  int reaper_errno = 0;
  ssize_t n;
  while ((n = read(exec_check_, &reaper_errno, sizeof reaper_errno)) < 0 && errno == EINTR) {
  }
  close(exec_check_);
  exec_check_ = -1;
  if (n > 0) {
    errno = reaper_errno;
    throw_errno("starting the domain's reaper (exec of /proc/self/exe)");
  }
}

void Reaper::disarm() {
  const char byte = kDisarm;
  while (write(pipe_write_, &byte, 1) < 0 && errno == EINTR) {
  }
}

}  // namespace monocell::xen
