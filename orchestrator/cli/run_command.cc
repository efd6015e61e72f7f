// `monocell run [-d] [--rm] [--hypervisor kvm|xen|process] [--memory MiB] [--timeout S] [--name N] APP [ARGS...]`
// and `monocell create` (the same options): run is create, then start in the foreground or
// detached.
#include "orchestrator/cli/run_command.h"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_options.h"
#include "orchestrator/exit_codes.h"
#include "orchestrator/guest_launcher.h"
#include "orchestrator/guest_store.h"

namespace monocell::cli {
namespace {

constexpr char kExitStatusFooter[] =
    "APP [ARGS...]: an image NAME[:TAG] from the image store (its defaults apply unless\n"
    "given here; ARGS replace its arguments), an app built under images/, or a path.\n"
    "Exit status: the app's own (with -d: 0 once the guest runs, its own if it ended before);\n"
    "124 timeout; 125 monocell failed; 126 app cannot run; 127 no such app; 128+N ended by\n"
    "signal N, or a CPU fault Linux signals with N (139 for a page fault); 139 protocol violation.";

int run(const GuestOptions& options, const std::vector<std::string>& command, bool detach) {
  GuestRecord record;
  // The app found (and a stored image checked) here is the one the guest starts from.
  std::optional<ResolvedApp> app;
  if (const int code = make_record(options, command, true, &record, &app); code != 0) return code;
  std::string error;
  if (!create_guest(&record, &error)) {
    spdlog::error("{}", error);
    return exit_code::kMonocellFailed;
  }
  const ResolvedApp* found = app ? &*app : nullptr;
  if (!detach) return run_monitor(record, STDOUT_FILENO, STDERR_FILENO, -1, found);
  const int code = start_detached(record, &error, found);
  if (code != 0) {
    spdlog::error("{}", error);
    return code;
  }
  std::printf("%s\n", record.id.c_str());
  return 0;
}

int create(const GuestOptions& options, const std::vector<std::string>& command) {
  GuestRecord record;
  if (const int code = make_record(options, command, false, &record); code != 0) return code;
  std::string error;
  if (!create_guest(&record, &error)) {
    spdlog::error("{}", error);
    return exit_code::kMonocellFailed;
  }
  std::printf("%s\n", record.id.c_str());
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, int* run_exit_code) {
  auto options = std::make_shared<GuestOptions>();
  auto detach = std::make_shared<bool>(false);
  CLI::App* run_cmd = app.add_subcommand("run", "Run an app in its own guest, in the foreground or detached (-d)");
  run_cmd->add_flag("-d,--detach", *detach, "Run the guest in the background and print its ID once it runs");
  add_guest_options(run_cmd, options.get());
  run_cmd->footer(kExitStatusFooter);
  run_cmd->callback([run_cmd, options, detach, run_exit_code] {
    const std::vector<std::string> command = app_command(run_cmd, options.get());
    *run_exit_code = run(*options, command, *detach);
  });
}

void add_create_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<GuestOptions>();
  CLI::App* cmd = app.add_subcommand("create", "Create a guest without starting it (monocell start starts it); prints its ID");
  add_guest_options(cmd, options.get());
  cmd->footer("APP [ARGS...]: as for monocell run. Exit status: 0, or 125, 126, 127 as for run.");
  cmd->callback([cmd, options, exit_code] { *exit_code = create(*options, app_command(cmd, options.get())); });
}

}  // namespace monocell::cli
