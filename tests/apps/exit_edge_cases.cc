// exit-edge-cases: apps that end in awkward ways, for the monitor's and runtime's exit paths.
//
//   linger            main returns 7, then a static destructor hangs: the Exit message is
//                     sent, the process does not end
//   background-child  main starts a child that keeps stdout open for 30 s, then returns 3
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "guest-libos/runtime/app.h"

namespace {

bool hang_at_exit = false;

struct HangsWhenAsked {
  ~HangsWhenAsked() {
    while (hang_at_exit) pause();
  }
} hangs_when_asked;

int edge_main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "linger") == 0) {
    std::printf("returning 7, then hanging in a destructor\n");
    hang_at_exit = true;
    return 7;
  }
  if (std::strcmp(mode, "background-child") == 0) {
    std::printf("leaving a child behind\n");
    std::fflush(stdout);
    if (fork() == 0) {
      sleep(30);  // holds the inherited stdout and stderr
      _exit(0);
    }
    return 3;
  }
  std::fprintf(stderr, "exit-edge-cases: unknown mode \"%s\"\n", mode);
  return 2;
}

const monocell::app::Registration registration{{
    .name = "exit-edge-cases",
    .main = edge_main,
    .calls = {},
    .on_signal = nullptr,
}};

}  // namespace
