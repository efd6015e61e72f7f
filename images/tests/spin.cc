// Test guest: spins forever in ring 3 without a syscall; only the wall-clock limit stops it.
#include <cstdio>

int main() {
  std::printf("spinning\n");
  std::fflush(stdout);
  volatile unsigned long counter = 0;
  for (;;) counter = counter + 1;
}
