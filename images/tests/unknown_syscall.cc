// Test guest: calls a syscall the libOS does not have three times, checks it gets ENOSYS each
// time and keeps running.
#include <cerrno>
#include <cstdio>
#include <unistd.h>
#include <sys/syscall.h>

int main() {
  for (int i = 0; i < 3; ++i) {
    errno = 0;
    const long r = syscall(__NR_io_uring_setup, 1, nullptr);
    if (r != -1 || errno != ENOSYS) {
      std::printf("unexpected: r=%ld errno=%d\n", r, errno);
      return 1;
    }
  }
  std::printf("got ENOSYS 3 times, still running\n");
  return 0;
}
