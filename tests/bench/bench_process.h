// Two-process plumbing for the benchmarks: CPU placement, shared mappings, forked children, and a
// start handshake.
#pragma once

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace monocell::bench {

// A measurement that cannot be trusted: a corrupt transfer, a ring error, a failed system call.
class BenchFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail_syscall(const char* operation) {
  throw BenchFailure(std::string(operation) + " failed: " + std::strerror(errno));
}

inline uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
}

// Set when both processes share one CPU: a spinning side must then give the CPU to the other
// rather than wait out its time slice.
inline bool& spin_by_yielding() {
  static bool yielding = false;
  return yielding;
}

// Tells the CPU we are spinning, so the sibling hyperthread (or the hypervisor) is not starved.
inline void cpu_relax() {
  if (spin_by_yielding()) {
    sched_yield();
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Two CPUs, one for each process of a measurement: two busy-polling processes that the scheduler
// happens to stack on one CPU take turns by time slice and run a hundred times slower, which
// says nothing about the ring. Every measurement, ring or baseline, gets the same placement.
struct CpuPair {
  int parent = -1;  // -1: no pinning (fewer than two CPUs allowed)
  int child = -1;

  static CpuPair pick() {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) fail_syscall("sched_getaffinity");
    CpuPair pair;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &allowed)) continue;
      if (pair.parent < 0) {
        pair.parent = cpu;
      } else {
        pair.child = cpu;
        break;
      }
    }
    if (pair.child < 0) pair = CpuPair{};
    return pair;
  }
  bool pinned() const { return child >= 0; }
};

inline void pin_to_cpu(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) fail_syscall("sched_setaffinity");
}

// The CPU forked children pin themselves to; set once by main, read by each child.
inline int& child_cpu() {
  static int cpu = -1;
  return cpu;
}

// MAP_SHARED | MAP_ANONYMOUS memory: mapped before fork, it is the same pages in every child.
class SharedMapping {
 public:
  explicit SharedMapping(size_t size) : size_(size) {
    data_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (data_ == MAP_FAILED) fail_syscall("mmap(MAP_SHARED | MAP_ANONYMOUS)");
  }
  ~SharedMapping() { munmap(data_, size_); }
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;

  void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void* data_;
  size_t size_;
};

// One forked child running `body`; its exit code says whether its side of a transfer was intact.
// The child dies with its parent, and the parent kills a child it no longer waits for.
class ChildProcess {
 public:
  template <typename Body>
  explicit ChildProcess(Body&& body) {
    std::fflush(nullptr);  // or the child would flush the parent's buffered output again
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) fail_syscall("fork");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(3);
      int code = 2;
      try {
        pin_to_cpu(child_cpu());
        code = std::forward<Body>(body)();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "bench child: %s\n", e.what());
      }
      std::fflush(stderr);
      _exit(code);  // no destructors: the parent owns every shared resource
    }
  }
  ~ChildProcess() {
    if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Non-blocking: false once the child has exited.
  bool running() {
    if (reaped_) return false;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    return !reaped_;
  }

  // Waits for the child and throws unless it exited with 0.
  void expect_success(const char* what) {
    while (!reaped_) {
      if (waitpid(pid_, &status_, 0) == pid_) reaped_ = true;
      else if (errno != EINTR) fail_syscall("waitpid");
    }
    if (!WIFEXITED(status_) || WEXITSTATUS(status_) != 0) {
      throw BenchFailure(std::string(what) + ": child process " + describe_status());
    }
  }

  std::string describe_status() const {
    if (WIFEXITED(status_)) return "exited with code " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) return std::string("died of ") + strsignal(WTERMSIG(status_));
    return "stopped";
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// Spins in the parent while now and then checking that the child still runs, so a child that
// died (say, on a corrupt frame) ends the measurement with its reason rather than a hang.
class PeerWatch {
 public:
  PeerWatch(ChildProcess& child, const char* what) : child_(child), what_(what) {}

  void spin() {
    cpu_relax();
    if (++spins_ % kSpinsPerCheck == 0) check();
  }

  void check() {
    if (!child_.running()) {
      throw BenchFailure(std::string(what_) + ": child process " + child_.describe_status() +
                         " before the transfer ended");
    }
  }

 private:
  static constexpr uint32_t kSpinsPerCheck = 1u << 16;
  ChildProcess& child_;
  const char* what_;
  uint32_t spins_ = 0;
};

// A start line in shared memory: the child says it is attached and spinning, the parent says go,
// so neither fork nor a child's first page faults fall inside the timed window.
struct StartLine {
  std::atomic<uint32_t> child_ready{0};
  std::atomic<uint32_t> go{0};

  void reset() {
    child_ready.store(0);
    go.store(0);
  }
  void child_signal_ready() { child_ready.store(1, std::memory_order_release); }
  void child_wait_for_go() const {
    while (go.load(std::memory_order_acquire) == 0) cpu_relax();
  }
  void parent_wait_until_ready(PeerWatch& watch) const {
    while (child_ready.load(std::memory_order_acquire) == 0) watch.spin();
  }
  void parent_go() { go.store(1, std::memory_order_release); }
};
static_assert(std::atomic<uint32_t>::is_always_lock_free, "the start line is shared across processes");

}  // namespace monocell::bench
