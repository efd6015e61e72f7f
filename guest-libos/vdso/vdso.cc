// The guest's vDSO: clock_gettime, gettimeofday, time and getcpu answered in the caller's own
// ring-3 context from kvmclock's pvclock page, the way Linux's vDSO does, so reading a clock
// costs nanoseconds instead of a `syscall` (~20 us on kvm_pvm). glibc finds it through
// AT_SYSINFO_EHDR; clocks it does not know go to the real syscall.
#include <asm/unistd_64.h>
#include <linux/time.h>
#include <linux/time_types.h>

#include "../src/boot_info.h"
#include "../src/pvclock.h"

namespace {

using monocell::libos::boot_info;
using monocell::libos::kvmclock_ns;

constexpr uint64_t kNsPerSec = 1000000000ull;

long raw_syscall(long nr, long a, long b) {
  long ret;
  asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
  return ret;
}

bool served_here(int clock) {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_TAI:
      return true;
    default:
      return false;
  }
}

uint64_t now_ns(int clock) {
  const uint64_t ns = kvmclock_ns();
  if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI) {
    return ns + static_cast<uint64_t>(boot_info().realtime_offset_ns);
  }
  return ns;
}

}  // namespace

extern "C" {

int __vdso_clock_gettime(int clock, __kernel_timespec* ts) {
  if (!served_here(clock)) return static_cast<int>(raw_syscall(__NR_clock_gettime, clock, reinterpret_cast<long>(ts)));
  const uint64_t ns = now_ns(clock);
  ts->tv_sec = static_cast<long long>(ns / kNsPerSec);
  ts->tv_nsec = static_cast<long long>(ns % kNsPerSec);
  return 0;
}

int __vdso_clock_getres(int clock, __kernel_timespec* ts) {
  if (!served_here(clock)) return static_cast<int>(raw_syscall(__NR_clock_getres, clock, reinterpret_cast<long>(ts)));
  if (ts != nullptr) {
    ts->tv_sec = 0;
    ts->tv_nsec = 1;
  }
  return 0;
}

int __vdso_gettimeofday(__kernel_old_timeval* tv, struct timezone* tz) {
  if (tv != nullptr) {
    const uint64_t ns = now_ns(CLOCK_REALTIME);
    tv->tv_sec = static_cast<long>(ns / kNsPerSec);
    tv->tv_usec = static_cast<long>((ns % kNsPerSec) / 1000);
  }
  if (tz != nullptr) {
    tz->tz_minuteswest = 0;
    tz->tz_dsttime = 0;
  }
  return 0;
}

long __vdso_time(long* tloc) {
  const long seconds = static_cast<long>(now_ns(CLOCK_REALTIME) / kNsPerSec);
  if (tloc != nullptr) *tloc = seconds;
  return seconds;
}

int __vdso_getcpu(unsigned* cpu, unsigned* node, void*) {
  if (cpu != nullptr) *cpu = 0;  // one vCPU
  if (node != nullptr) *node = 0;
  return 0;
}

}  // extern "C"
