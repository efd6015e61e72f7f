// The releasing child: CLONE_VM, so it costs no page-table copy and sees the parent's objects;
// no SIGCHLD (exit signal 0), so only a waitpid with __WCLONE sees it and a monitor waiting for
// its own children never does.
#include "background_release.h"

#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <new>
#include <vector>

namespace monocell::kvm {
namespace {

constexpr size_t kStackSize = 64 << 10;
constexpr long kParentCheckNs = 20'000'000;  // how often a waiting child checks its parent is alive

struct Release {
  int vm_fd;
  void* memory;
  size_t memory_size;
  pid_t parent;  // the process that made the child
  int max_fd;  // where the one-by-one close stops when close_range is refused
  uint32_t parent_let_go = 0;  // futex word: the parent has closed its copy of vm_fd
  pid_t pid = -1;
  void* stack = nullptr;
};

// The child shares the parent's memory *and* the TLS of the thread that cloned it, so it must
// not touch errno, malloc or any lock: only raw system calls.
// (GCC and clang both know the GNU spelling of no_sanitize, not the [[gnu::]] one.)
#define MONOCELL_CHILD_CODE __attribute__((no_sanitize("address", "undefined")))

[[gnu::always_inline]] MONOCELL_CHILD_CODE inline long raw_syscall(long number, long a = 0, long b = 0, long c = 0,
                                                                   long d = 0) {
  long ret;
  register long r10 asm("r10") = d;
  asm volatile("syscall" : "=a"(ret) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return ret;
}

MONOCELL_CHILD_CODE void close_all_but(int keep, int max_fd) {
  // The clone copied the whole fd table: stdio, sockets, the state directory's lock. None of
  // them may live on in the child. One by one if close_range is missing (before Linux 5.9) or
  // refused (a seccomp filter).
  long rc = 0;
  if (keep > 0) rc = raw_syscall(SYS_close_range, 0, keep - 1, 0);
  if (rc == 0) rc = raw_syscall(SYS_close_range, keep + 1, ~0u, 0);
  if (rc != 0) {
    for (int fd = 0; fd < max_fd; ++fd) {
      if (fd != keep) raw_syscall(SYS_close, fd);
    }
  }
}

MONOCELL_CHILD_CODE int release_main(void* arg) {
  Release* r = static_cast<Release*>(arg);
  close_all_but(r->vm_fd, r->max_fd);
  // Whoever drops the last reference pays for the destruction: wait until the parent's is gone,
  // or the parent itself (killed between clone and letting go: its fds went with it).
  while (__atomic_load_n(&r->parent_let_go, __ATOMIC_ACQUIRE) == 0) {
    struct timespec check = {0, kParentCheckNs};
    raw_syscall(SYS_futex, reinterpret_cast<long>(&r->parent_let_go), FUTEX_WAIT_PRIVATE, 0,
                reinterpret_cast<long>(&check));
    if (__atomic_load_n(&r->parent_let_go, __ATOMIC_ACQUIRE) == 0 && raw_syscall(SYS_getppid) != r->parent) break;
  }
  raw_syscall(SYS_close, r->vm_fd);
  raw_syscall(SYS_munmap, reinterpret_cast<long>(r->memory), static_cast<long>(r->memory_size));
  raw_syscall(SYS_exit, 0);
  return 0;
}

void release_here(int vm_fd, void* memory, size_t memory_size) {
  ::close(vm_fd);
  if (memory != nullptr) ::munmap(memory, memory_size);
}

// Children started and not yet reaped; their Release and stack stay allocated until then.
struct Registry {
  std::mutex mutex;
  std::vector<Release*> running;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: children may outlive static destructors
  return *r;
}

size_t reap_locked(Registry& reg) {
  // In place: no allocation, so that nothing here can throw.
  auto finished = [](Release* r) {
    const pid_t rc = ::waitpid(r->pid, nullptr, __WCLONE | WNOHANG);
    if (rc == 0 || (rc < 0 && errno == EINTR)) return false;
    // Reaped, or not ours to wait for any more (ECHILD): either way it has stopped using these.
    ::munmap(r->stack, kStackSize);
    delete r;
    return true;
  };
  reg.running.erase(std::remove_if(reg.running.begin(), reg.running.end(), finished), reg.running.end());
  return reg.running.size();
}

// Above every fd this process can hold: the hard limit (the soft one may have been lowered
// since a higher fd was opened), at most 2^20.
int max_fd() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max == RLIM_INFINITY) return 1 << 20;
  return static_cast<int>(std::min<rlim_t>(std::max(limit.rlim_cur, limit.rlim_max), 1 << 20));
}

}  // namespace

size_t reap_background_releases() noexcept {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  return reap_locked(reg);
}

void release_vm_in_background(int vm_fd, void* memory, size_t memory_size) noexcept {
  if (vm_fd < 0) {
    if (memory != nullptr) ::munmap(memory, memory_size);
    return;
  }
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  reap_locked(reg);

  // Everything that can fail is done before the child exists.
  bool room = true;
  try {
    reg.running.reserve(reg.running.size() + 1);
  } catch (const std::bad_alloc&) {
    room = false;
  }
  Release* r = new (std::nothrow) Release{vm_fd, memory, memory_size, ::getpid(), max_fd()};
  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (!room || r == nullptr || stack == MAP_FAILED) {
    if (stack != MAP_FAILED) ::munmap(stack, kStackSize);
    delete r;
    release_here(vm_fd, memory, memory_size);
    return;
  }
  r->stack = stack;
  // No signal may run a handler in the child (it shares our memory, not our thread's stack).
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::clone(release_main, static_cast<char*>(stack) + kStackSize, CLONE_VM, r);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    ::munmap(stack, kStackSize);
    delete r;
    release_here(vm_fd, memory, memory_size);
    return;
  }
  r->pid = pid;
  ::close(vm_fd);  // ours first, so that the child's reference is the last one
  __atomic_store_n(&r->parent_let_go, 1, __ATOMIC_RELEASE);
  ::syscall(SYS_futex, &r->parent_let_go, FUTEX_WAKE_PRIVATE, 1);
  reg.running.push_back(r);
}

}  // namespace monocell::kvm
