// Signals. No handler runs yet. rt_sigaction and rt_sigprocmask record what the app asks
// for and answer it back, and a signal the one process sends itself (kill, tkill, tgkill: what
// raise() and abort() do) is treated as Linux would treat it for this process, except that a
// handler cannot run:
//   blocked          stays pending (and is never delivered)
//   SIG_IGN          discarded
//   a handler        refused with ENOSYS: the handler would not run
//   SIG_DFL          its default action: ignored (SIGCHLD, SIGURG, SIGWINCH, SIGCONT; and the
//                    stop signals: nothing stops a guest), else the guest ends with 128 + N and
//                    a line on its stderr naming the signal (abort() ends with 134)
#include <asm/signal.h>
#include <linux/errno.h>

#include "boot_info.h"
#include "freestanding.h"
#include "hostcall.h"
#include "syscalls.h"

namespace monocell::libos {
namespace {

constexpr uint64_t kSelf = 1;  // the pid and tid of the one process (syscall_dispatch.cc's getpid)
constexpr uint64_t kMaxSignal = 64;

// struct sigaction as the kernel takes it (rt_sigaction with an 8-byte mask).
struct KernelSigaction {
  uint64_t handler;  // SIG_DFL 0, SIG_IGN 1, or a function
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};
static_assert(sizeof(KernelSigaction) == 32);

KernelSigaction g_actions[kMaxSignal + 1];
uint64_t g_blocked = 0;  // bit N-1 for signal N

uint64_t bit(uint64_t signal) { return uint64_t{1} << (signal - 1); }
const uint64_t kUnblockable = bit(SIGKILL) | bit(SIGSTOP);

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
  if (signal != SIGKILL && signal != SIGSTOP) {
    if ((g_blocked & bit(signal)) != 0) return 0;  // pending, and never delivered
    if (g_actions[signal].handler == reinterpret_cast<uint64_t>(SIG_IGN)) return 0;
    if (g_actions[signal].handler != reinterpret_cast<uint64_t>(SIG_DFL)) return -ENOSYS;  // no handler runs yet
  }
  if (ignored_by_default(signal)) return 0;
  end_by_signal(signal);
}

}  // namespace

SysResult sys_rt_sigaction(uint64_t signal, uint64_t action, uint64_t old_action, uint64_t size) {
  if (signal == 0 || signal > kMaxSignal || size != 8) return -EINVAL;
  if (action != 0 && !user_range_ok(action, sizeof(KernelSigaction))) return -EFAULT;
  if (old_action != 0 && !user_range_ok(old_action, sizeof(KernelSigaction))) return -EFAULT;
  if (action != 0 && (signal == SIGKILL || signal == SIGSTOP)) return -EINVAL;
  KernelSigaction previous = g_actions[signal];
  if (action != 0) copy_bytes(&g_actions[signal], reinterpret_cast<const void*>(action), sizeof(KernelSigaction));
  if (old_action != 0) copy_bytes(reinterpret_cast<void*>(old_action), &previous, sizeof previous);
  return 0;
}

SysResult sys_rt_sigprocmask(uint64_t how, uint64_t set, uint64_t old_set, uint64_t size) {
  if (size != 8) return -EINVAL;
  if (set != 0 && !user_range_ok(set, 8)) return -EFAULT;
  if (old_set != 0 && !user_range_ok(old_set, 8)) return -EFAULT;
  const uint64_t previous = g_blocked;
  if (set != 0) {
    const uint64_t mask = *reinterpret_cast<const uint64_t*>(set) & ~kUnblockable;
    switch (how) {
      case SIG_BLOCK: g_blocked |= mask; break;
      case SIG_UNBLOCK: g_blocked &= ~mask; break;
      case SIG_SETMASK: g_blocked = mask; break;
      default: return -EINVAL;
    }
  }
  if (old_set != 0) *reinterpret_cast<uint64_t*>(old_set) = previous;
  return 0;
}

SysResult sys_kill(uint64_t pid, uint64_t signal) {
  // 0: its process group, which is only itself. -1 (every process it may signal) never
  // includes the caller, nor init: here there is nobody else.
  const int64_t target = static_cast<int64_t>(pid);
  if (target != static_cast<int64_t>(kSelf) && target != 0) return -ESRCH;
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
