// The guest's pvclock reader (guest-libos/src/pvclock.cc), on the host's own TSC: the records
// KVM and Xen write, including Xen's first one for a new domain, read as the time they mean.
#include <catch2/catch.hpp>
#include <x86intrin.h>

#include "guest-libos/src/pvclock.h"

using monocell::libos::PvclockTimeInfo;
using monocell::libos::pvclock_read_ns;

namespace {

constexpr uint64_t kSystemTime = 5'000'000'000;

// Half a nanosecond per tick (mul 2^31, no shift): a 2 GHz TSC.
PvclockTimeInfo record(uint64_t tsc_timestamp) {
  PvclockTimeInfo info{};
  info.version = 2;
  info.tsc_timestamp = tsc_timestamp;
  info.system_time = kSystemTime;
  info.tsc_to_system_mul = 1u << 31;
  info.tsc_shift = 0;
  return info;
}

}  // namespace

TEST_CASE("pvclock: the time is the record's plus the scaled TSC ticks since its stamp") {
  const uint64_t stamp = __rdtsc() - 2'000'000;  // 2M ticks ago: 1 ms at this record's rate
  const PvclockTimeInfo info = record(stamp);
  const uint64_t before = __rdtsc();
  const uint64_t ns = pvclock_read_ns(&info);
  const uint64_t after = __rdtsc();
  CHECK(ns >= kSystemTime + (before - stamp) / 2);
  CHECK(ns <= kSystemTime + (after - stamp) / 2);
}

TEST_CASE("pvclock: a stamp from before the TSC's zero (Xen's first record for a new domain) still counts every tick") {
  // Xen stamps a new domain's record with the TSC of its last calibration, taken before the
  // domain's TSC began: as an unsigned number the stamp is then just below 2^64. A reader that
  // saw "TSC behind the stamp" here would stop the clock until Xen's next calibration.
  constexpr uint64_t kTicksBeforeZero = 1'000'000'000;
  const PvclockTimeInfo info = record(0 - kTicksBeforeZero);
  const uint64_t before = __rdtsc();
  const uint64_t ns = pvclock_read_ns(&info);
  const uint64_t after = __rdtsc();
  CHECK(ns >= kSystemTime + (before + kTicksBeforeZero) / 2);
  CHECK(ns <= kSystemTime + (after + kTicksBeforeZero) / 2);
}

TEST_CASE("pvclock: a TSC behind its stamp (jitter) reads the stamp's time, never one from far ahead") {
  const PvclockTimeInfo info = record(__rdtsc() + 1'000'000'000'000);
  CHECK(pvclock_read_ns(&info) == kSystemTime);
}
