// Test guest: points GS base (the libOS's per-vCPU area) at unmapped memory and makes a
// syscall, so the fault happens inside the libOS's syscall entry, not in the app.
#include <cstdint>
#include <cstdio>
#include <unistd.h>

int main() {
  std::printf("about to break the syscall entry\n");
  std::fflush(stdout);
  const uint64_t unmapped = 0x00007f0000000000ull;  // canonical, far above guest RAM
  asm volatile("wrgsbase %0" ::"r"(unmapped) : "memory");
  return static_cast<int>(getpid());  // never returns: the entry faults on %gs
}
