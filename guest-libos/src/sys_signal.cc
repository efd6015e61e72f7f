// Signals. No handler runs yet: rt_sigaction and rt_sigprocmask are accepted and record
// nothing. A signal the one process sends itself (kill, tkill, tgkill: what raise() and
// abort() do) takes its default action, as in a process with no handler installed: ignored,
// or the end of the guest with 128 + N and a line on its stderr naming the signal.
#include <asm/signal.h>
#include <linux/errno.h>

#include "boot_info.h"
#include "freestanding.h"
#include "hostcall.h"
#include "syscalls.h"

namespace monocell::libos {
namespace {

constexpr uint64_t kSelf = 1;  // the pid and tid of the one process (sys_process.cc's getpid)
constexpr uint64_t kMaxSignal = 64;

const char* signal_name(uint64_t signal) {
  switch (signal) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGSYS: return "SIGSYS";
    default: return nullptr;
  }
}

bool ignored_by_default(uint64_t signal) {
  switch (signal) {
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
      return true;
    case SIGSTOP:  // no job control inside a guest: nothing stops it
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return true;
    default:
      return false;
  }
}

// Appends `text` to `line` at `*at`, within `size`.
void append(char* line, uint64_t size, uint64_t* at, const char* text) {
  for (; *text != '\0' && *at + 1 < size; ++text) line[(*at)++] = *text;
}

[[noreturn]] void end_by_signal(uint64_t signal) {
  char line[160];
  uint64_t at = 0;
  char number[4] = {};
  number[0] = static_cast<char>('0' + signal / 10);
  number[1] = static_cast<char>('0' + signal % 10);
  const char* digits = signal < 10 ? number + 1 : number;
  const char* name = signal_name(signal);
  append(line, sizeof line, &at, "libOS: the app sent itself ");
  append(line, sizeof line, &at, name != nullptr ? name : "signal ");
  append(line, sizeof line, &at, name != nullptr ? " (signal " : "");
  append(line, sizeof line, &at, digits);
  append(line, sizeof line, &at, name != nullptr ? (signal == SIGABRT ? ", abort())" : ")") : "");
  append(line, sizeof line, &at, " and has no handler for it: the guest ends\n");
  sys_write(2, reinterpret_cast<uint64_t>(line), at);
  host_exit(static_cast<int>(128 + signal));
}

SysResult signal_self(uint64_t signal) {
  if (signal == 0) return 0;  // a probe: the process exists
  if (signal > kMaxSignal) return -EINVAL;
  if (ignored_by_default(signal)) return 0;
  end_by_signal(signal);
}

}  // namespace

SysResult sys_rt_sigaction(uint64_t signal, uint64_t action, uint64_t old_action, uint64_t size) {
  (void)action;  // no handler is ever run
  if (signal == 0 || signal > kMaxSignal || size != 8) return -EINVAL;
  if (old_action != 0) {
    constexpr uint64_t kSigactionSize = 32;  // handler, flags, restorer, mask
    if (!user_range_ok(old_action, kSigactionSize)) return -EFAULT;
    zero_bytes(reinterpret_cast<void*>(old_action), kSigactionSize);
  }
  return 0;
}

SysResult sys_rt_sigprocmask(uint64_t how, uint64_t set, uint64_t old_set, uint64_t size) {
  (void)how;
  (void)set;
  if (size != 8) return -EINVAL;
  if (old_set != 0) {
    if (!user_range_ok(old_set, 8)) return -EFAULT;
    *reinterpret_cast<uint64_t*>(old_set) = 0;
  }
  return 0;
}

SysResult sys_kill(uint64_t pid, uint64_t signal) {
  // 0: its process group; -1: every process it may signal. Either way only itself.
  const int64_t target = static_cast<int64_t>(pid);
  if (target != static_cast<int64_t>(kSelf) && target != 0 && target != -1) return -ESRCH;
  return signal_self(signal);
}

SysResult sys_tkill(uint64_t tid, uint64_t signal) {
  if (tid != kSelf) return -ESRCH;
  return signal_self(signal);
}

SysResult sys_tgkill(uint64_t tgid, uint64_t tid, uint64_t signal) {
  if (tgid != kSelf || tid != kSelf) return -ESRCH;
  return signal_self(signal);
}

}  // namespace monocell::libos
