// The CLI commands that act on guests already running: call, stats, stop, ps.
#pragma once

#include <CLI/CLI.hpp>

namespace monocell::cli {

void add_call_command(CLI::App& app, int* exit_code);
void add_stats_command(CLI::App& app, int* exit_code);
void add_stop_command(CLI::App& app, int* exit_code);
void add_ps_command(CLI::App& app, int* exit_code);

}  // namespace monocell::cli
