// Test guest: spins in ring 3 (no syscalls, clocks from the vDSO) until the supervisor has taken
// a host interrupt, so the interrupt arrives in running code rather than in a wait: on Xen that
// is the event-channel upcall's handler. Says "spinning" once it has read the starting count;
// then reports the count, how long it spun and CLOCK_REALTIME when the interrupt was seen (for
// comparison with the host's clock), and exits 0, or 1 after 20 s without an interrupt.
#include <monocell/libos.h>

#include <cstdio>
#include <ctime>

namespace {
long long now_ns(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}
long long monotonic_ms() { return now_ns(CLOCK_MONOTONIC) / 1000000; }
}  // namespace

int main() {
  const unsigned long long before = monocell_host_interrupts();
  const long long start = monotonic_ms();
  std::printf("spinning for a host interrupt\n");
  std::fflush(stdout);
  unsigned long long now = before;
  while (now == before && monotonic_ms() - start < 20000) now = monocell_host_interrupts();
  const long long realtime = now_ns(CLOCK_REALTIME);
  std::printf("interrupts=%llu after_ms=%lld realtime_ns=%lld\n", now - before, monotonic_ms() - start, realtime);
  return now != before ? 0 : 1;
}
