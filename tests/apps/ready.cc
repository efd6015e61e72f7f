// test-ready: an app that says itself when it is ready. It prepares for argv[1] ms (default
// 300), calls monocell::app::ready(), then serves the host (Pings, Calls, stop requests) until
// it is stopped. With argv[2] = "hang" it stops serving after `ready` -- a hung app, whose
// missing Pongs systemd's watchdog is meant to catch.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "guest-libos/runtime/app.h"

namespace {

void sleep_ms(long ms) {
  timespec t{ms / 1000, (ms % 1000) * 1'000'000};
  while (nanosleep(&t, &t) != 0) {
  }
}

int ready_main(int argc, char** argv) {
  const long prepare_ms = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 300;
  std::printf("preparing for %ld ms\n", prepare_ms);
  std::fflush(stdout);
  sleep_ms(prepare_ms);
  monocell::app::ready();
  std::printf("ready\n");
  std::fflush(stdout);
  if (argc > 2 && std::strcmp(argv[2], "hang") == 0) {
    for (;;) sleep_ms(1000);  // never serves the host again
  }
  return monocell::app::serve();
}

const monocell::app::Registration registration{{
    .name = "test-ready",
    .main = ready_main,
    .calls = {},
    .on_signal = nullptr,
    .tells_ready = true,
}};

}  // namespace
