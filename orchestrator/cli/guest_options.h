// The options that describe a new guest, shared by `run` and `create`, and the GuestRecord
// they make (hypervisor chosen, app resolved, image defaults applied, name checked).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/app_resolver.h"
#include "orchestrator/guest_record.h"

namespace monocell::cli {

struct GuestOptions {
  std::string hypervisor;  // empty: what the host offers (hypervisor_choice.h)
  uint64_t memory_mib = 64;
  double timeout_s = 0;
  double grace_s = 10;
  std::string name;
  std::vector<std::string> env;
  std::string cwd = "/";
  bool auto_remove = false;
  std::string restart = "no";  // --restart, checked by make_record
  std::string restart_exit_codes;
  bool memory_given = false;  // else an image's default memory applies
  bool cwd_given = false;  // else an image's default working directory applies
};

// Adds the options and the APP [ARGS...] footer; `command` gets APP and its arguments.
void add_guest_options(CLI::App* cmd, GuestOptions* options);
// APP [ARGS...] as the subcommand left them; throws CLI errors for a missing APP or a stray flag.
std::vector<std::string> app_command(CLI::App* cmd, GuestOptions* options);

// 0 with `record` filled, or the exit code (125, 126, 127) after logging why. `for_run`: a
// Xen guest makes this process become monocell-xen first (xen_sibling.h). `app`, if given,
// keeps the app as found (a stored image decompressed and checked, its memfd open), for `run`
// to start the guest from rather than find and decompress it a second time.
int make_record(const GuestOptions& options, const std::vector<std::string>& command, bool for_run,
                GuestRecord* record, std::optional<ResolvedApp>* app = nullptr);

}  // namespace monocell::cli
