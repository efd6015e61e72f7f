// Test guest: rings the host's doorbell 5 times, waits 50 ms for the host (nothing comes), says
// "ready", then waits for the host's interrupt and reports what it saw.
#include <monocell/libos.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

int main() {
  for (int i = 0; i < 5; ++i) monocell_ring_doorbell();
  const int early = monocell_wait_for_host(50 * 1000 * 1000);
  const char ready[] = "ready\n";
  if (write(1, ready, sizeof ready - 1) != sizeof ready - 1) return 2;
  timespec start{}, end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  const int woken = monocell_wait_for_host(10ull * 1000 * 1000 * 1000);
  clock_gettime(CLOCK_MONOTONIC, &end);
  const long long waited_ms = (end.tv_sec - start.tv_sec) * 1000LL + (end.tv_nsec - start.tv_nsec) / 1000000;
  std::printf("early=%d woken=%d interrupts=%llu waited_ms=%lld\n", early, woken,
              static_cast<unsigned long long>(monocell_host_interrupts()), waited_ms);
  return 0;
}
