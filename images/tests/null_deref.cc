// Test guest: reads through a null pointer; the VMM must report a page fault at address 0.
#include <cstdio>

int main() {
  std::printf("about to dereference null\n");
  std::fflush(stdout);
  volatile int* null = nullptr;
  return *null;
}
