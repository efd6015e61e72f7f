// Test guest: prints CLOCK_REALTIME and CLOCK_MONOTONIC around a 200 ms nanosleep, so the host
// can check them against its own clocks; checks MONOTONIC never goes back; and reports whether
// clock_gettime is served by the vDSO and what one call costs.
#include <sys/auxv.h>
#include <x86intrin.h>

#include <cstdio>
#include <ctime>

namespace {
long long ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
}  // namespace

int main() {
  const long long real0 = ns(CLOCK_REALTIME);
  const long long mono0 = ns(CLOCK_MONOTONIC);
  const timespec nap{0, 200 * 1000 * 1000};
  nanosleep(&nap, nullptr);
  const long long mono1 = ns(CLOCK_MONOTONIC);
  const long long real1 = ns(CLOCK_REALTIME);
  constexpr int kCalls = 20000;
  long long previous = ns(CLOCK_MONOTONIC);
  const long long start = previous;
  for (int i = 0; i < kCalls; ++i) {
    const long long now = ns(CLOCK_MONOTONIC);
    if (now < previous) {
      std::printf("monotonic went backwards\n");
      return 1;
    }
    previous = now;
  }
  const long long per_call = (previous - start) / kCalls;
  std::printf("realtime0=%lld realtime1=%lld monotonic0=%lld monotonic1=%lld vdso=%d call_ns=%lld\n",
              real0, real1, mono0, mono1, getauxval(AT_SYSINFO_EHDR) != 0 ? 1 : 0, per_call);
  return 0;
}
