// `monocell run` (a guest in the foreground, or detached with -d) and `monocell create`.
#pragma once

#include <CLI/CLI.hpp>

namespace monocell::cli {

// Adds the subcommand; `run_exit_code` receives the command's result once it ran.
void add_run_command(CLI::App& app, int* run_exit_code);
void add_create_command(CLI::App& app, int* exit_code);

}  // namespace monocell::cli
