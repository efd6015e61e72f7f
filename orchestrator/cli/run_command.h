// `monocell run`: start a guest in the foreground and return its exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace monocell::cli {

// Adds the subcommand; `run_exit_code` receives the command's result once it ran.
void add_run_command(CLI::App& app, int* run_exit_code);

}  // namespace monocell::cli
