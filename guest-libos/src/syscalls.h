// The Linux x86-64 syscalls the libOS implements, grouped by the file that implements them.
#pragma once

#include <stdint.h>

namespace monocell::libos {

// What syscall_entry.S saved, lowest address first: every register of the app's context.
struct SyscallFrame {
  uint64_t nr;
  uint64_t arg[6];  // rdi, rsi, rdx, r10, r8, r9
  uint64_t rip;     // rcx
  uint64_t rflags;  // r11
  uint64_t rbx, rbp, r12, r13, r14, r15;
  uint64_t rsp;
};
static_assert(sizeof(SyscallFrame) == 16 * 8, "syscall_entry.S pushes 16 words");

using SysResult = int64_t;  // >= 0 result, or -errno

// sys_memory.cc
SysResult sys_brk(uint64_t address);
SysResult sys_mmap(uint64_t address, uint64_t length, uint64_t prot, uint64_t flags, uint64_t fd,
                   uint64_t offset);
SysResult sys_munmap(uint64_t address, uint64_t length);
SysResult sys_mprotect(uint64_t address, uint64_t length, uint64_t prot);
SysResult sys_madvise(uint64_t address, uint64_t length, uint64_t advice);

// sys_file.cc (the console behind fds 0-2 is sys_io.cc's)
SysResult sys_read(uint64_t fd, uint64_t buffer, uint64_t count);
SysResult sys_write(uint64_t fd, uint64_t buffer, uint64_t count);
SysResult sys_pread64(uint64_t fd, uint64_t buffer, uint64_t count, uint64_t offset);
SysResult sys_pwrite64(uint64_t fd, uint64_t buffer, uint64_t count, uint64_t offset);
SysResult sys_readv(uint64_t fd, uint64_t iov, uint64_t iovcnt);
SysResult sys_writev(uint64_t fd, uint64_t iov, uint64_t iovcnt);
SysResult sys_preadv(uint64_t fd, uint64_t iov, uint64_t iovcnt, uint64_t offset);
SysResult sys_pwritev(uint64_t fd, uint64_t iov, uint64_t iovcnt, uint64_t offset);
SysResult sys_lseek(uint64_t fd, uint64_t offset, uint64_t whence);
SysResult sys_openat(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mode);
SysResult sys_close(uint64_t fd);
SysResult sys_dup(uint64_t fd);
SysResult sys_dup2(uint64_t fd, uint64_t new_fd);
SysResult sys_dup3(uint64_t fd, uint64_t new_fd, uint64_t flags);
SysResult sys_fcntl(uint64_t fd, uint64_t command, uint64_t argument);
SysResult sys_fstat(uint64_t fd, uint64_t stat_buffer);
SysResult sys_newfstatat(uint64_t dirfd, uint64_t path, uint64_t stat_buffer, uint64_t flags);
SysResult sys_statx(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mask, uint64_t buffer);
SysResult sys_getdents64(uint64_t fd, uint64_t buffer, uint64_t count);
SysResult sys_faccessat(uint64_t dirfd, uint64_t path, uint64_t mode, uint64_t flags);
SysResult sys_readlinkat(uint64_t dirfd, uint64_t path, uint64_t buffer, uint64_t size);
SysResult sys_getcwd(uint64_t buffer, uint64_t size);
SysResult sys_chdir(uint64_t path);
SysResult sys_fchdir(uint64_t fd);
SysResult sys_ftruncate(uint64_t fd, uint64_t length);
SysResult sys_truncate(uint64_t path, uint64_t length);
SysResult sys_renameat2(uint64_t old_dirfd, uint64_t old_path, uint64_t new_dirfd, uint64_t new_path,
                        uint64_t flags);
SysResult sys_unlinkat(uint64_t dirfd, uint64_t path, uint64_t flags);
SysResult sys_mkdirat(uint64_t dirfd, uint64_t path, uint64_t mode);
SysResult sys_symlinkat(uint64_t target, uint64_t dirfd, uint64_t path);
SysResult sys_fchmod(uint64_t fd, uint64_t mode);
SysResult sys_fchmodat(uint64_t dirfd, uint64_t path, uint64_t mode);
SysResult sys_umask(uint64_t mask);
SysResult sys_fsync(uint64_t fd);
SysResult sys_ioctl(uint64_t fd, uint64_t request, uint64_t argument);
SysResult sys_fadvise64(uint64_t fd, uint64_t offset, uint64_t length, uint64_t advice);
// mmap of a descriptor: whether `fd` may be mapped so, then the new pages filled from it.
SysResult file_map_check(uint64_t fd, uint64_t offset, uint64_t flags, uint64_t prot);
void file_map_fill(uint64_t fd, uint64_t offset, uint64_t address, uint64_t length);

// sys_time.cc
SysResult sys_clock_gettime(uint64_t clock, uint64_t timespec);
SysResult sys_clock_getres(uint64_t clock, uint64_t timespec);
SysResult sys_gettimeofday(uint64_t timeval, uint64_t timezone);
SysResult sys_time(uint64_t tloc);
SysResult sys_nanosleep(uint64_t request, uint64_t remain);
SysResult sys_clock_nanosleep(uint64_t clock, uint64_t flags, uint64_t request, uint64_t remain);

// sys_process.cc
[[noreturn]] void sys_exit_group(uint64_t status);
SysResult sys_arch_prctl(uint64_t code, uint64_t address);
SysResult sys_set_tid_address(uint64_t tidptr);
SysResult sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t new_limit, uint64_t old_limit);
SysResult sys_getrlimit(uint64_t resource, uint64_t limit);
SysResult sys_futex(uint64_t uaddr, uint64_t op, uint64_t value, uint64_t timeout);
SysResult sys_uname(uint64_t buffer);
SysResult sys_sched_getaffinity(uint64_t pid, uint64_t size, uint64_t mask);

// sys_random.cc
SysResult sys_getrandom(uint64_t buffer, uint64_t length, uint64_t flags);

// sys_signal.cc
SysResult sys_rt_sigaction(uint64_t signal, uint64_t action, uint64_t old_action, uint64_t size);
SysResult sys_rt_sigprocmask(uint64_t how, uint64_t set, uint64_t old_set, uint64_t size);
SysResult sys_kill(uint64_t pid, uint64_t signal);
SysResult sys_tkill(uint64_t tid, uint64_t signal);
SysResult sys_tgkill(uint64_t tgid, uint64_t tid, uint64_t signal);
SysResult sys_sigaltstack(uint64_t stack, uint64_t old_stack);
SysResult sys_rt_sigpending(uint64_t set, uint64_t size);
[[noreturn]] void sys_rt_sigreturn(const SyscallFrame& frame);

}  // namespace monocell::libos
