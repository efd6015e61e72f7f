// Test guest: prints with iostream and printf, echoes its arguments, writes to stderr, and
// exits with the code given as its first argument (0 without one). A plain main(): it runs on
// the libOS alone, without the init and runtime.
#include <cstdio>
#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  std::cout << "hello from monocell (iostream)" << std::endl;
  std::printf("hello from monocell (printf), argc=%d\n", argc);
  for (int i = 0; i < argc; ++i) std::printf("argv[%d]=%s\n", i, argv[i]);
  std::fprintf(stderr, "hello on stderr\n");
  return argc > 1 ? std::atoi(argv[1]) : 0;
}
