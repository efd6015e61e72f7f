// hello: greets from inside the guest, shows its argv, and exits with the code given as its
// first argument (0 without one).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "guest-libos/runtime/app.h"

namespace {

int hello_main(int argc, char** argv) {
  std::cout << "Hello from monocell! This line was printed inside the guest." << std::endl;
  std::printf("argv (%d):", argc);
  for (int i = 0; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\n");
  if (argc < 2) return 0;
  char* end = nullptr;
  const long code = std::strtol(argv[1], &end, 10);
  if (*end != '\0' || code < 0 || code > 255) {
    std::cerr << "hello: exit code must be a number from 0 to 255, not \"" << argv[1] << "\"" << std::endl;
    return 2;
  }
  return static_cast<int>(code);
}

const monocell::app::Registration registration{{
    .name = "hello",
    .main = hello_main,
    .calls = {},
    .on_signal = nullptr,
}};

}  // namespace
