// Test guest: prints getrandom's answers as hex, one line each: 4096 bytes, then 32 bytes,
// then 32 bytes asked for with GRND_NONBLOCK; and "random_device=N" from std::random_device.
#include <sys/random.h>

#include <cstdio>
#include <random>

namespace {
bool print_random(size_t length, unsigned flags) {
  unsigned char bytes[4096];
  if (getrandom(bytes, length, flags) != static_cast<ssize_t>(length)) return false;
  for (size_t i = 0; i < length; ++i) std::printf("%02x", bytes[i]);
  std::printf("\n");
  return true;
}
}  // namespace

int main() {
  if (!print_random(4096, 0) || !print_random(32, 0) || !print_random(32, GRND_NONBLOCK)) return 1;
  std::random_device device;
  std::printf("random_device=%u\n", device());
  return 0;
}
