// `monocell call`: send a Call to a running guest and print the reply.
#pragma once

#include <CLI/CLI.hpp>

namespace monocell::cli {

void add_call_command(CLI::App& app, int* exit_code);

}  // namespace monocell::cli
