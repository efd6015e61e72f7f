// stdio-burst: exercises the guest's stdout and stderr paths. Writes numbered lines to stdout
// and stderr alternately, then N MiB (argv[1], default 10) to stdout in ONE write() call, a
// deterministic pattern the test checks byte for byte, then a final line on each stream.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "guest-libos/runtime/app.h"

namespace {

int burst_main(int argc, char** argv) {
  const size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10;
  for (int i = 0; i < 1000; ++i) {
    std::printf("out %d\n", i);
    std::fprintf(stderr, "err %d\n", i);
  }
  std::fflush(stdout);
  std::string block(mib << 20, '\0');
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  size_t written = 0;
  while (written < block.size()) {
    const ssize_t n = write(STDOUT_FILENO, block.data() + written, block.size() - written);
    if (n <= 0) return 3;
    written += static_cast<size_t>(n);
  }
  std::printf("\nout end\n");
  std::fprintf(stderr, "err end\n");
  return 0;
}

const monocell::app::Registration registration{{
    .name = "stdio-burst",
    .main = burst_main,
    .calls = {},
    .on_signal = nullptr,
}};

}  // namespace
