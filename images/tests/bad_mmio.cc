// Test guest: writes to an address in the MMIO window where no device is; the VMM must stop it
// with a report of the exit it does not handle.
#include <cstdint>
#include <cstdio>

int main() {
  std::printf("about to poke a missing device\n");
  std::fflush(stdout);
  *reinterpret_cast<volatile uint32_t*>(0xFE002000) = 0x1234;
  std::printf("still running\n");
  return 0;
}
