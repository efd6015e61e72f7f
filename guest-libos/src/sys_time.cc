// Clocks and sleeping: every clock derives from kvmclock; sleeping is a host call.
#include <linux/errno.h>
#include <linux/time.h>
#include <linux/time_types.h>

#include "boot_info.h"
#include "hostcall.h"
#include "pvclock.h"
#include "syscalls.h"

namespace monocell::libos {
namespace {

constexpr uint64_t kNsPerSec = 1000000000ull;

bool clock_known(uint64_t clock) {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
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

bool is_wall_clock(uint64_t clock) {
  return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI;
}

bool is_cpu_time_clock(uint64_t clock) {
  return clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID;
}

// The one process is all the VM does: its CPU time is the vCPU's.
uint64_t clock_now_ns(uint64_t clock) {
  if (is_cpu_time_clock(clock)) return cpu_time_ns();
  const uint64_t ns = kvmclock_ns();
  if (is_wall_clock(clock)) return ns + static_cast<uint64_t>(boot_info().realtime_offset_ns);
  return ns;
}

SysResult sleep_until_kvmclock(uint64_t deadline) {
  // The VMM waits on its own clock: sleep again until ours has passed the deadline.
  for (uint64_t now = kvmclock_ns(); now < deadline; now = kvmclock_ns()) {
    hostcall::Request request{};
    request.op = static_cast<uint32_t>(hostcall::Op::kSleep);
    request.arg[0] = deadline;
    request.arg[1] = now;
    host_call_waiting(request);
  }
  return 0;
}

bool timespec_valid(const __kernel_timespec& ts) {
  return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && static_cast<uint64_t>(ts.tv_nsec) < kNsPerSec;
}

uint64_t timespec_ns(const __kernel_timespec& ts) {
  const uint64_t sec = static_cast<uint64_t>(ts.tv_sec);
  if (sec > (~0ull / kNsPerSec) - 1) return ~0ull;  // far future: saturate
  return sec * kNsPerSec + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

SysResult sys_clock_gettime(uint64_t clock, uint64_t timespec) {
  if (!clock_known(clock)) return -EINVAL;
  auto* ts = reinterpret_cast<__kernel_timespec*>(timespec);
  if (!user_object_ok(ts)) return -EFAULT;
  const uint64_t ns = clock_now_ns(clock);
  ts->tv_sec = static_cast<int64_t>(ns / kNsPerSec);
  ts->tv_nsec = static_cast<int64_t>(ns % kNsPerSec);
  return 0;
}

SysResult sys_clock_getres(uint64_t clock, uint64_t timespec) {
  if (!clock_known(clock)) return -EINVAL;
  if (timespec == 0) return 0;
  auto* ts = reinterpret_cast<__kernel_timespec*>(timespec);
  if (!user_object_ok(ts)) return -EFAULT;
  ts->tv_sec = 0;
  ts->tv_nsec = 1;
  return 0;
}

SysResult sys_gettimeofday(uint64_t timeval, uint64_t timezone) {
  if (timezone != 0) {
    auto* tz = reinterpret_cast<struct timezone*>(timezone);
    if (!user_object_ok(tz)) return -EFAULT;
    tz->tz_minuteswest = 0;
    tz->tz_dsttime = 0;
  }
  if (timeval == 0) return 0;
  auto* tv = reinterpret_cast<__kernel_old_timeval*>(timeval);
  if (!user_object_ok(tv)) return -EFAULT;
  const uint64_t ns = clock_now_ns(CLOCK_REALTIME);
  tv->tv_sec = static_cast<long>(ns / kNsPerSec);
  tv->tv_usec = static_cast<long>((ns % kNsPerSec) / 1000);
  return 0;
}

SysResult sys_time(uint64_t tloc) {
  const int64_t seconds = static_cast<int64_t>(clock_now_ns(CLOCK_REALTIME) / kNsPerSec);
  if (tloc != 0) {
    auto* out = reinterpret_cast<int64_t*>(tloc);
    if (!user_object_ok(out)) return -EFAULT;
    *out = seconds;
  }
  return seconds;
}

SysResult sys_nanosleep(uint64_t request, uint64_t remain) {
  return sys_clock_nanosleep(CLOCK_MONOTONIC, 0, request, remain);
}

SysResult sys_clock_nanosleep(uint64_t clock, uint64_t flags, uint64_t request, uint64_t remain) {
  (void)remain;  // no signals: a sleep is never interrupted
  if (!clock_known(clock)) return -EINVAL;
  auto* req = reinterpret_cast<const __kernel_timespec*>(request);
  if (!user_object_ok(req)) return -EFAULT;
  const __kernel_timespec ts = *req;
  if (!timespec_valid(ts)) return -EINVAL;
  const uint64_t ns = timespec_ns(ts);
  const uint64_t now = clock_now_ns(clock);
  uint64_t wait;
  if (flags & TIMER_ABSTIME) {
    wait = ns > now ? ns - now : 0;
  } else {
    wait = ns;
  }
  if (wait == 0) return 0;
  const uint64_t base = kvmclock_ns();
  const uint64_t deadline = wait > ~0ull - base ? ~0ull : base + wait;
  return sleep_until_kvmclock(deadline);
}

}  // namespace monocell::libos
