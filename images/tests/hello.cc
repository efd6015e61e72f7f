// Test guest: prints with iostream and printf, echoes its arguments, writes to stderr, and
// exits with the code given as its first argument (0 without one). It also shows what glibc
// found on its initial stack: the auxiliary vector and the environment. A plain main(): it runs
// on the libOS alone, without the init and runtime.
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  std::cout << "hello from monocell (iostream)" << std::endl;
  std::printf("hello from monocell (printf), argc=%d\n", argc);
  for (int i = 0; i < argc; ++i) std::printf("argv[%d]=%s\n", i, argv[i]);
  std::printf("auxv: pagesz=%lu execfn=%s platform=%s random=%s vdso=%s entry=%s phnum=%lu\n",
              getauxval(AT_PAGESZ), reinterpret_cast<const char*>(getauxval(AT_EXECFN)),
              reinterpret_cast<const char*>(getauxval(AT_PLATFORM)), getauxval(AT_RANDOM) != 0 ? "yes" : "no",
              getauxval(AT_SYSINFO_EHDR) != 0 ? "yes" : "no", getauxval(AT_ENTRY) != 0 ? "yes" : "no",
              getauxval(AT_PHNUM));
  for (char** e = environ; *e != nullptr; ++e) std::printf("env %s\n", *e);
  std::fprintf(stderr, "hello on stderr\n");
  return argc > 1 ? std::atoi(argv[1]) : 0;
}
