// Dispatches a syscall by number; unknown ones return -ENOSYS and are counted for the host.
#include <asm/unistd_64.h>
#include <linux/errno.h>
#include <linux/fcntl.h>

#include "percpu.h"
#include "ring0_gate.h"
#include "signal_delivery.h"
#include "signal_state.h"
#include "syscalls.h"

namespace monocell::libos {
namespace {

constexpr uint64_t kAtFdCwd = static_cast<uint64_t>(AT_FDCWD);

SysResult dispatch(const SyscallFrame& f) {
  const uint64_t* a = f.arg;
  switch (f.nr) {
    // Files (sys_file.cc); the path forms are their *at forms from the working directory.
    case __NR_read: return sys_read(a[0], a[1], a[2]);
    case __NR_write: return sys_write(a[0], a[1], a[2]);
    case __NR_pread64: return sys_pread64(a[0], a[1], a[2], a[3]);
    case __NR_pwrite64: return sys_pwrite64(a[0], a[1], a[2], a[3]);
    case __NR_readv: return sys_readv(a[0], a[1], a[2]);
    case __NR_writev: return sys_writev(a[0], a[1], a[2]);
    case __NR_preadv: return sys_preadv(a[0], a[1], a[2], a[3]);
    case __NR_pwritev: return sys_pwritev(a[0], a[1], a[2], a[3]);
    case __NR_openat: return sys_openat(a[0], a[1], a[2], a[3]);
    case __NR_open: return sys_openat(kAtFdCwd, a[0], a[1], a[2]);
    case __NR_creat: return sys_openat(kAtFdCwd, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1]);
    case __NR_close: return sys_close(a[0]);
    case __NR_lseek: return sys_lseek(a[0], a[1], a[2]);
    case __NR_dup: return sys_dup(a[0]);
    case __NR_dup2: return sys_dup2(a[0], a[1]);
    case __NR_dup3: return sys_dup3(a[0], a[1], a[2]);
    case __NR_fcntl: return sys_fcntl(a[0], a[1], a[2]);
    case __NR_fstat: return sys_fstat(a[0], a[1]);
    case __NR_stat: return sys_newfstatat(kAtFdCwd, a[0], a[1], 0);
    case __NR_lstat: return sys_newfstatat(kAtFdCwd, a[0], a[1], AT_SYMLINK_NOFOLLOW);
    case __NR_newfstatat: return sys_newfstatat(a[0], a[1], a[2], a[3]);
    case __NR_statx: return sys_statx(a[0], a[1], a[2], a[3], a[4]);
    case __NR_getdents64: return sys_getdents64(a[0], a[1], a[2]);
    case __NR_access: return sys_faccessat(kAtFdCwd, a[0], a[1], 0);
    case __NR_faccessat: return sys_faccessat(a[0], a[1], a[2], 0);
    case __NR_faccessat2: return sys_faccessat(a[0], a[1], a[2], a[3]);
    case __NR_readlink: return sys_readlinkat(kAtFdCwd, a[0], a[1], a[2]);
    case __NR_readlinkat: return sys_readlinkat(a[0], a[1], a[2], a[3]);
    case __NR_getcwd: return sys_getcwd(a[0], a[1]);
    case __NR_chdir: return sys_chdir(a[0]);
    case __NR_fchdir: return sys_fchdir(a[0]);
    case __NR_ftruncate: return sys_ftruncate(a[0], a[1]);
    case __NR_truncate: return sys_truncate(a[0], a[1]);
    case __NR_rename: return sys_renameat2(kAtFdCwd, a[0], kAtFdCwd, a[1], 0);
    case __NR_renameat: return sys_renameat2(a[0], a[1], a[2], a[3], 0);
    case __NR_renameat2: return sys_renameat2(a[0], a[1], a[2], a[3], a[4]);
    case __NR_unlink: return sys_unlinkat(kAtFdCwd, a[0], 0);
    case __NR_rmdir: return sys_unlinkat(kAtFdCwd, a[0], AT_REMOVEDIR);
    case __NR_unlinkat: return sys_unlinkat(a[0], a[1], a[2]);
    case __NR_mkdir: return sys_mkdirat(kAtFdCwd, a[0], a[1]);
    case __NR_mkdirat: return sys_mkdirat(a[0], a[1], a[2]);
    case __NR_symlink: return sys_symlinkat(a[0], kAtFdCwd, a[1]);
    case __NR_symlinkat: return sys_symlinkat(a[0], a[1], a[2]);
    case __NR_chmod: return sys_fchmodat(kAtFdCwd, a[0], a[1]);
    case __NR_fchmod: return sys_fchmod(a[0], a[1]);
    case __NR_fchmodat: return sys_fchmodat(a[0], a[1], a[2]);
    case __NR_umask: return sys_umask(a[0]);
    case __NR_fsync:
    case __NR_fdatasync: return sys_fsync(a[0]);  // nothing to write back: memory is all there is
    case __NR_fadvise64: return sys_fadvise64(a[0], a[1], a[2], a[3]);
    case __NR_ioctl: return sys_ioctl(a[0], a[1], a[2]);

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
