// The signal syscalls: actions, the mask, the alternate stack, the signals the one process sends
// itself (kill, tkill, tgkill: what raise() and abort() do), rt_sigpending and rt_sigreturn.
// A signal with a handler is made pending, and the handler runs on the way out of the syscall
// that let it through (signal_delivery.cc), as on Linux:
//   blocked          stays pending until the mask lets it through
//   SIG_IGN          discarded
//   a handler        runs before kill/raise returns, or when the mask unblocks it
//   SIG_DFL          its default action: ignored (SIGCHLD, SIGURG, SIGWINCH, SIGCONT; and the
//                    stop signals: nothing stops a guest), else the guest ends with 128 + N and
//                    a line on its stderr naming the signal (abort() ends with 134)
#include <asm/siginfo.h>
#include <asm/signal.h>
#include <linux/errno.h>
#include <linux/signal.h>

#include "boot_info.h"
#include "freestanding.h"
#include "percpu.h"
#include "signal_delivery.h"
#include "signal_state.h"
#include "syscalls.h"

namespace monocell::libos {
namespace {

using namespace signals;

constexpr uint64_t kSelf = 1;  // the pid and tid of the one process (syscall_dispatch.cc's getpid)

SysResult signal_self(uint64_t signal, int code) {
  if (signal == 0) return 0;  // a probe: the process exists
  if (signal > kMaxSignal) return -EINVAL;
  if (signal == SIGSTOP) return 0;  // no job control inside a guest
  if (signal == SIGKILL) end_by_signal(signal, nullptr);
  if ((blocked() & bit(signal)) == 0) {
    if (action(signal).handler == reinterpret_cast<uint64_t>(SIG_IGN)) return 0;
    if (!has_handler(signal)) {
      if (ignored_by_default(signal)) return 0;
      end_by_signal(signal, nullptr);
    }
  }
  add_pending(signal, code);  // delivered as this syscall returns, or once unblocked
  return 0;
}

bool discards_pending(const Action& a, uint64_t signal) {
  return a.handler == reinterpret_cast<uint64_t>(SIG_IGN) ||
         (a.handler == reinterpret_cast<uint64_t>(SIG_DFL) && ignored_by_default(signal));
}

bool on_alt_stack(uint64_t sp) {
  const AltStack& alt = alt_stack();
  return alt.enabled && sp > alt.base && sp - alt.base <= alt.size;
}

}  // namespace

SysResult sys_rt_sigaction(uint64_t signal, uint64_t new_action, uint64_t old_action, uint64_t size) {
  if (signal == 0 || signal > kMaxSignal || size != 8) return -EINVAL;
  if (new_action != 0 && !user_range_ok(new_action, sizeof(Action))) return -EFAULT;
  if (old_action != 0 && !user_range_ok(old_action, sizeof(Action))) return -EFAULT;
  if (new_action != 0 && (signal == SIGKILL || signal == SIGSTOP)) return -EINVAL;
  const Action previous = action(signal);
  if (new_action != 0) {
    Action a;
    copy_bytes(&a, reinterpret_cast<const void*>(new_action), sizeof a);
    a.mask &= ~kUnblockable;
    action(signal) = a;
    if (discards_pending(a, signal)) clear_pending(signal);
    refresh_fault_vectors();
  }
  if (old_action != 0) copy_bytes(reinterpret_cast<void*>(old_action), &previous, sizeof previous);
  return 0;
}

SysResult sys_rt_sigprocmask(uint64_t how, uint64_t set, uint64_t old_set, uint64_t size) {
  if (size != 8) return -EINVAL;
  if (set != 0 && !user_range_ok(set, 8)) return -EFAULT;
  if (old_set != 0 && !user_range_ok(old_set, 8)) return -EFAULT;
  const uint64_t previous = blocked();
  if (set != 0) {
    const uint64_t mask = *reinterpret_cast<const uint64_t*>(set);
    switch (how) {
      case SIG_BLOCK: set_blocked(previous | mask); break;
      case SIG_UNBLOCK: set_blocked(previous & ~mask); break;
      case SIG_SETMASK: set_blocked(mask); break;
      default: return -EINVAL;
    }
  }
  if (old_set != 0) *reinterpret_cast<uint64_t*>(old_set) = previous;
  return 0;
}

SysResult sys_rt_sigpending(uint64_t set, uint64_t size) {
  if (size != 8) return -EINVAL;
  if (!user_range_ok(set, 8)) return -EFAULT;
  *reinterpret_cast<uint64_t*>(set) = pending();
  return 0;
}

SysResult sys_sigaltstack(uint64_t new_stack, uint64_t old_stack) {
  if (new_stack != 0 && !user_range_ok(new_stack, sizeof(stack_t))) return -EFAULT;
  if (old_stack != 0 && !user_range_ok(old_stack, sizeof(stack_t))) return -EFAULT;
  AltStack& alt = alt_stack();
  const bool on_it = on_alt_stack(percpu().user_rsp);
  stack_t previous;
  zero_bytes(&previous, sizeof previous);
  previous.ss_sp = reinterpret_cast<void*>(alt.base);
  previous.ss_size = alt.size;
  previous.ss_flags = !alt.enabled ? SS_DISABLE : on_it ? SS_ONSTACK : 0;
  if (new_stack != 0) {
    stack_t s;
    copy_bytes(&s, reinterpret_cast<const void*>(new_stack), sizeof s);
    if (on_it) return -EPERM;  // not while a handler runs on it
    const int mode = static_cast<int>(static_cast<unsigned>(s.ss_flags) & ~SS_AUTODISARM);
    if (mode == SS_DISABLE) {
      alt = AltStack{};
    } else {
      if (mode != 0 && mode != SS_ONSTACK) return -EINVAL;
      if (s.ss_size < MINSIGSTKSZ) return -ENOMEM;
      if (!user_range_ok(reinterpret_cast<uint64_t>(s.ss_sp), s.ss_size)) return -EFAULT;
      alt = AltStack{reinterpret_cast<uint64_t>(s.ss_sp), s.ss_size, true};
    }
  }
  if (old_stack != 0) copy_bytes(reinterpret_cast<void*>(old_stack), &previous, sizeof previous);
  return 0;
}

void sys_rt_sigreturn(const SyscallFrame& frame) { sigreturn(frame.rsp); }

SysResult sys_kill(uint64_t pid, uint64_t signal) {
  // 0: its process group, which is only itself. -1 (every process it may signal) never
  // includes the caller, nor init: here there is nobody else.
  const int64_t target = static_cast<int64_t>(pid);
  if (target != static_cast<int64_t>(kSelf) && target != 0) return -ESRCH;
  return signal_self(signal, SI_USER);
}

SysResult sys_tkill(uint64_t tid, uint64_t signal) {
  if (tid != kSelf) return -ESRCH;
  return signal_self(signal, SI_TKILL);
}

SysResult sys_tgkill(uint64_t tgid, uint64_t tid, uint64_t signal) {
  if (tgid != kSelf || tid != kSelf) return -ESRCH;
  return signal_self(signal, SI_TKILL);
}

}  // namespace monocell::libos
