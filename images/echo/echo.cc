// echo: answers every "echo" Call with its payload, and runs until it is stopped.
#include <iostream>

#include "guest-libos/runtime/app.h"

namespace {

int echo_main(int, char**) {
  std::cout << "echo: ready for calls" << std::endl;
  const int code = monocell::app::serve();
  std::cout << "echo: stopping (code " << code << ")" << std::endl;
  return code;
}

const monocell::app::Registration registration{{
    .name = "echo",
    .main = echo_main,
    .calls = {{"echo", [](const std::string& payload) { return monocell::app::CallResult::ok(payload); }}},
    .on_signal = nullptr,
}};

}  // namespace
