// kvmclock from the pvclock page: a version-checked snapshot scaled by the TSC delta.
#include "pvclock.h"

#include "boot_info.h"

namespace monocell::libos {
namespace {

inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

inline uint64_t scale(uint64_t delta, uint32_t mul, int8_t shift) {
  if (shift < 0) {
    delta >>= -shift;
  } else {
    delta <<= shift;
  }
  return static_cast<uint64_t>((static_cast<unsigned __int128>(delta) * mul) >> 32);
}

}  // namespace

uint64_t pvclock_read_ns(const volatile PvclockTimeInfo* info) {
  for (;;) {
    const uint32_t version = info->version;
    asm volatile("lfence" ::: "memory");
    const uint64_t tsc_timestamp = info->tsc_timestamp;
    const uint64_t system_time = info->system_time;
    const uint32_t mul = info->tsc_to_system_mul;
    const int8_t shift = info->tsc_shift;
    const uint64_t tsc = rdtsc();
    asm volatile("lfence" ::: "memory");
    if ((version & 1) != 0 || version != info->version) continue;  // being updated
    // Modular, then signed: Xen's first record for a new domain may stamp a TSC from before
    // the domain's TSC began (a "negative" timestamp), and the true delta is then larger than
    // the TSC itself. Only a TSC truly behind the stamp (a jitter of a few cycles) counts as 0.
    const int64_t delta = static_cast<int64_t>(tsc - tsc_timestamp);
    return system_time + scale(delta > 0 ? static_cast<uint64_t>(delta) : 0, mul, shift);
  }
}

uint64_t kvmclock_ns() {
  return pvclock_read_ns(reinterpret_cast<const volatile PvclockTimeInfo*>(boot_info().pvclock_gpa));
}

}  // namespace monocell::libos
