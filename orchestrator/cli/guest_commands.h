// The CLI commands that act on guests by name or ID: start, stop, kill, restart, rm, ps,
// inspect, wait, logs, call, stats; and the completion script that describes them all.
#pragma once

#include <CLI/CLI.hpp>

namespace monocell::cli {

void add_call_command(CLI::App& app, int* exit_code);
void add_stats_command(CLI::App& app, int* exit_code);
void add_stop_command(CLI::App& app, int* exit_code);
void add_ps_command(CLI::App& app, int* exit_code);
void add_start_command(CLI::App& app, int* exit_code);
void add_kill_command(CLI::App& app, int* exit_code);
void add_restart_command(CLI::App& app, int* exit_code);
void add_rm_command(CLI::App& app, int* exit_code);
void add_inspect_command(CLI::App& app, int* exit_code);
void add_wait_command(CLI::App& app, int* exit_code);
void add_logs_command(CLI::App& app, int* exit_code);
// `generate systemd`: a unit that runs a guest.
void add_generate_command(CLI::App& app, int* exit_code);
// `completion bash`: describes every command of `app`, so add it after the others.
void add_completion_command(CLI::App& app, int* exit_code);

// Shared by restart: start (detached, or attached in the foreground) and stop one guest;
// each returns its verb's exit status.
int start_guest(const std::string& reference, bool attach);
int stop_guest(const std::string& reference, double grace_s, bool quiet);

}  // namespace monocell::cli
