// Dispatches a syscall by number; unknown ones return -ENOSYS and are counted for the host.
#include <asm/unistd_64.h>
#include <linux/errno.h>

#include "percpu.h"
#include "ring0_gate.h"
#include "signal_delivery.h"
#include "signal_state.h"
#include "syscalls.h"

namespace monocell::libos {
namespace {

SysResult dispatch(const SyscallFrame& f) {
  const uint64_t* a = f.arg;
  switch (f.nr) {
    case __NR_read: return sys_read(a[0], a[1], a[2]);
    case __NR_write: return sys_write(a[0], a[1], a[2]);
    case __NR_writev: return sys_writev(a[0], a[1], a[2]);
    case __NR_openat: return sys_openat(a[0], a[1], a[2], a[3]);
    case __NR_open: return sys_openat(static_cast<uint64_t>(-100), a[0], a[1], a[2]);
    case __NR_close: return sys_close(a[0]);
    case __NR_lseek: return sys_lseek(a[0], a[1], a[2]);
    case __NR_fstat: return sys_fstat(a[0], a[1]);
    case __NR_newfstatat: return sys_newfstatat(a[0], a[1], a[2], a[3]);
    case __NR_readlink: return sys_readlink(a[0], a[1], a[2]);
    case __NR_ioctl: return sys_ioctl(a[0], a[1], a[2]);
    case __NR_chdir: return sys_chdir(a[0]);

    case __NR_brk: return sys_brk(a[0]);
    case __NR_mmap: return sys_mmap(a[0], a[1], a[2], a[3], a[4], a[5]);
    case __NR_munmap: return sys_munmap(a[0], a[1]);
    case __NR_mprotect: return sys_mprotect(a[0], a[1], a[2]);
    case __NR_madvise: return sys_madvise(a[0], a[1], a[2]);

    case __NR_clock_gettime: return sys_clock_gettime(a[0], a[1]);
    case __NR_clock_getres: return sys_clock_getres(a[0], a[1]);
    case __NR_gettimeofday: return sys_gettimeofday(a[0], a[1]);
    case __NR_time: return sys_time(a[0]);
    case __NR_nanosleep: return sys_nanosleep(a[0], a[1]);
    case __NR_clock_nanosleep: return sys_clock_nanosleep(a[0], a[1], a[2], a[3]);

    case __NR_exit:
    case __NR_exit_group: sys_exit_group(a[0]);
    case __NR_arch_prctl: return sys_arch_prctl(a[0], a[1]);
    case __NR_set_tid_address: return sys_set_tid_address(a[0]);
    case __NR_set_robust_list: return 0;  // one thread: nothing to clean up at its exit
    case __NR_rseq: return -ENOSYS;  // glibc runs without restartable sequences
    case __NR_prlimit64: return sys_prlimit64(a[0], a[1], a[2], a[3]);
    case __NR_getrlimit: return sys_getrlimit(a[0], a[1]);
    case __NR_getrandom: return sys_getrandom(a[0], a[1], a[2]);
    case __NR_futex: return sys_futex(a[0], a[1], a[2], a[3]);
    case __NR_uname: return sys_uname(a[0]);
    case __NR_sched_getaffinity: return sys_sched_getaffinity(a[0], a[1], a[2]);
    case __NR_sched_yield: return 0;
    case __NR_getpid:
    case __NR_gettid: return 1;  // the init of its own VM
    case __NR_getppid: return 0;
    case __NR_getuid:
    case __NR_geteuid:
    case __NR_getgid:
    case __NR_getegid: return 0;
    // Signals (sys_signal.cc); handlers run on the way out (signal_delivery.cc).
    case __NR_rt_sigaction: return sys_rt_sigaction(a[0], a[1], a[2], a[3]);
    case __NR_rt_sigprocmask: return sys_rt_sigprocmask(a[0], a[1], a[2], a[3]);
    case __NR_rt_sigpending: return sys_rt_sigpending(a[0], a[1]);
    case __NR_sigaltstack: return sys_sigaltstack(a[0], a[1]);
    case __NR_rt_sigreturn: sys_rt_sigreturn(f);
    case __NR_kill: return sys_kill(a[0], a[1]);
    case __NR_tkill: return sys_tkill(a[0], a[1]);
    case __NR_tgkill: return sys_tgkill(a[0], a[1], a[2]);
    case kRing0GateSyscall: return sys_ring0_gate(a[0], a[1]);
    default: break;
  }
  PerCpu& cpu = percpu();
  ++cpu.unknown_syscalls;
  cpu.last_unknown_syscall = f.nr;
  return -ENOSYS;
}

}  // namespace
}  // namespace monocell::libos

extern "C" int64_t monocell_syscall_dispatch(const monocell::libos::SyscallFrame* frame) {
  using namespace monocell::libos;
  const int64_t result = dispatch(*frame);
  // A signal this syscall let through (sent, unblocked) runs its handler before the app goes on.
  if ((signals::pending() & ~signals::blocked()) != 0) signals::deliver_pending(*frame, result);
  return result;
}
