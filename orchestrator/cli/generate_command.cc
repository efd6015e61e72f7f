// `monocell generate systemd [--new] [--files] [--watchdog SECONDS] NAME|ID`: the systemd unit
// that runs a guest, printed or (--files) written to monocell-NAME.service here.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"
#include "orchestrator/exit_codes.h"
#include "orchestrator/guest_record.h"
#include "orchestrator/systemd/run_command_line.h"
#include "orchestrator/systemd/unit_file.h"

namespace monocell::cli {
namespace {

struct GenerateOptions {
  std::string reference;
  bool create_anew = false;
  bool files = false;
  unsigned watchdog_s = 0;
};

// This CLI's own path: what the unit runs, wherever monocell is installed.
std::optional<std::string> own_path() {
  std::error_code ec;
  const std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    spdlog::error("cannot tell where this monocell is (/proc/self/exe: {}): the unit needs its path", ec.message());
    return std::nullopt;
  }
  return path.string();
}

systemd::GuestUnit unit_of(const GuestRecord& record, const std::string& monocell, const GenerateOptions& options) {
  const GuestConfig& config = record.config;
  systemd::GuestUnit unit;
  unit.guest = config.name;
  unit.description = "monocell guest " + config.name + " (" + config.app + " on " + config.hypervisor + ")";
  unit.origin = "monocell-" + config.name + ".service: written by `monocell generate systemd" +
                (options.create_anew ? " --new" : "") + " " + config.name + "`";
  unit.restart = record.restart;
  unit.grace_s = config.grace_ms / 1000.0;
  unit.watchdog_s = options.watchdog_s;
  if (!options.create_anew) {
    unit.exec_start = {monocell, "start", "--attach", config.name};
    return unit;
  }
  systemd::RunSpec run;
  run.name = config.name;
  run.hypervisor = config.hypervisor;
  run.memory_mib = config.memory_mib;
  run.grace_s = config.grace_ms / 1000.0;
  run.timeout_s = config.timeout_s;
  run.cwd = config.cwd;
  run.env = config.env;
  // A path is made absolute: the unit does not run in this directory.
  run.app = config.app.find('/') == std::string::npos ? config.app
                                                      : std::filesystem::absolute(config.app).lexically_normal().string();
  run.args.assign(config.argv.begin() + (config.argv.empty() ? 0 : 1), config.argv.end());
  unit.exec_start_pre = {monocell, "rm", "--force", "--ignore", config.name};
  unit.exec_start = systemd::run_command_line(monocell, run);
  return unit;
}

int generate_systemd(const GenerateOptions& options) {
  const auto guest = find_guest(options.reference);
  if (!guest) return kVerbFailed;
  const auto record = load_guest_record(*guest);
  if (!record) return kVerbFailed;
  const auto monocell = own_path();
  if (!monocell) return exit_code::kMonocellFailed;
  const std::string text = systemd::render_unit(unit_of(*record, *monocell, options));
  if (!options.files) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  const std::string path = (std::filesystem::current_path() / ("monocell-" + record->config.name + ".service")).string();
  std::string error;
  if (!write_file_atomically(path, text, &error)) {
    spdlog::error("cannot write the unit: {}", error);
    return exit_code::kMonocellFailed;
  }
  std::printf("%s\n", path.c_str());
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& app, int* exit_code) {
  CLI::App* generate = app.add_subcommand("generate", "Generate files that run guests elsewhere: systemd units");
  generate->require_subcommand(1);
  auto options = std::make_shared<GenerateOptions>();
  CLI::App* cmd = generate->add_subcommand(
      "systemd", "Print a systemd unit (Type=notify) that runs the guest: ready when its app is, watched while it answers");
  cmd->add_flag("--new", options->create_anew,
                "The unit creates the guest itself at each start (monocell run --rm) and removes it at the end, "
                "rather than starting this created guest");
  cmd->add_flag("--files", options->files, "Write monocell-NAME.service in the current directory and print its path");
  cmd->add_option("--watchdog", options->watchdog_s,
                  "WatchdogSec=: systemd kills and (by the guest's --restart) restarts a guest that stops answering "
                  "the monitor's Pings for this many seconds (0: no watchdog)")
      ->check(CLI::Range(0u, 86400u));
  cmd->add_option("guest", options->reference, "NAME, ID or unique ID prefix of the guest")->required();
  cmd->footer(
      "The unit's Restart= comes from the guest's --restart: under systemd, systemd restarts the guest,\n"
      "not its monitor. Install it with: cp monocell-NAME.service /etc/systemd/system/ && systemctl daemon-reload\n"
      "Exit status: 0; 1 no such guest; 125 monocell failed.");
  cmd->callback([options, exit_code] { *exit_code = generate_systemd(*options); });
}

}  // namespace monocell::cli
