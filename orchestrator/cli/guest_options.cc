// The options that describe a new guest, and the record they make.
#include "orchestrator/cli/guest_options.h"

#include <random>

#include <spdlog/spdlog.h>

#include "orchestrator/app_resolver.h"
#include "orchestrator/cli/xen_sibling.h"
#include "orchestrator/exit_codes.h"
#include "orchestrator/hypervisor_choice.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {
namespace {

std::string generated_name(const std::string& app) {
  std::random_device rd;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rd()));
  std::string base = app.substr(app.find_last_of('/') + 1);
  base = base.substr(0, std::min<size_t>(base.find(':'), 54));  // an image's name, without its tag
  return base + "-" + suffix;
}

}  // namespace

void add_guest_options(CLI::App* cmd, GuestOptions* options) {
  cmd->add_option("--hypervisor", options->hypervisor,
                  "Where the guest runs (default: kvm where /dev/kvm is usable, else xen in a Xen dom0)")
      ->check(CLI::IsMember({"kvm", "xen", "process"}));
  cmd->add_option("--memory", options->memory_mib, "Guest memory in MiB")
      ->check(CLI::Range(uint64_t{16}, uint64_t{65536}))
      ->capture_default_str();
  // Bounded so the millisecond timers they become cannot overflow (a year, a day).
  cmd->add_option("--timeout", options->timeout_s, "Kill the guest after this many seconds (0: never)")
      ->check(CLI::Range(0.0, 31536000.0));
  cmd->add_option("--grace-period", options->grace_s, "Seconds between a forwarded stop signal and a kill")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->add_option("--name", options->name, "Name of the guest (default: APP-<random>)");
  // Repeatable, one value each: `-e A=1 APP` must leave APP to be the app.
  cmd->add_option("-e,--env", options->env, "Set KEY=VALUE in the app's environment (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", options->cwd, "The app's working directory")->capture_default_str();
  cmd->add_flag("--rm", options->auto_remove, "Remove the guest (its state and logs) when it ends");
  cmd->add_option("--restart", options->restart,
                  "Boot the guest again when it ends: no, on-failure[:N], always or unless-stopped "
                  "(never after stop, kill or rm -f)")
      ->capture_default_str();
  cmd->add_option("--restart-exit-codes", options->restart_exit_codes,
                  "Exit codes on-failure counts as failures, e.g. 1,3-5 (default: every code but 0)");
  // Everything from APP on belongs to the app, flags included.
  cmd->prefix_command();
}

std::vector<std::string> app_command(CLI::App* cmd, GuestOptions* options) {
  std::vector<std::string> command = cmd->remaining();
  if (command.empty()) throw CLI::RequiredError("APP");
  // prefix_command() hands over everything from the first unknown word: a flag there was
  // meant for monocell, not an app.
  if (command.front().size() > 1 && command.front()[0] == '-') {
    throw CLI::ExtrasError(std::vector<std::string>{command.front()});
  }
  options->memory_given = cmd->count("--memory") > 0;
  options->cwd_given = cmd->count("--workdir") > 0;
  return command;
}

int make_record(const GuestOptions& options, const std::vector<std::string>& command, bool for_run,
                GuestRecord* record, std::optional<ResolvedApp>* app) {
  GuestConfig& config = record->config;
  record->auto_remove = options.auto_remove;
  std::string error;
  // Checked first: a bad policy creates nothing and starts nothing.
  const auto restart = parse_restart_policy(options.restart, options.restart_exit_codes, &error);
  if (!restart) {
    spdlog::error("{}", error);
    return exit_code::kMonocellFailed;
  }
  if (options.auto_remove && restart->mode != RestartPolicy::Mode::kNo) {
    spdlog::error("--rm and --restart {} contradict each other: --rm removes the guest when it ends, the policy "
                  "boots it again; choose one",
                  options.restart);
    return exit_code::kMonocellFailed;
  }
  record->restart = *restart;
  config.hypervisor = options.hypervisor;
  if (config.hypervisor.empty()) {
    const HypervisorChoice choice = choose_hypervisor(host_probes());
    if (choice.hypervisor.empty()) {
      spdlog::error("{}", choice.error);
      return exit_code::kMonocellFailed;
    }
    config.hypervisor = choice.hypervisor;
  }
  // Before anything is claimed: monocell-xen, if it takes over, starts from the same argv.
  if (for_run && !run_here_or_exec_sibling(config.hypervisor == "xen", &error)) {
    spdlog::error("{}", error);
    return exit_code::kMonocellFailed;
  }
  config.app = command.front();
  config.argv = command;
  config.argv[0] = config.app.substr(config.app.find_last_of('/') + 1);
  config.env = options.env;
  config.cwd = options.cwd;
  config.memory_mib = options.memory_mib;
  config.timeout_s = options.timeout_s;
  config.grace_ms = static_cast<uint32_t>(options.grace_s * 1000);
  config.name = options.name.empty() ? generated_name(config.app) : options.name;

  if (!valid_guest_name(config.name, &error)) {
    spdlog::error("invalid --name \"{}\": {}", config.name, error);
    return exit_code::kMonocellFailed;
  }
  for (const std::string& e : config.env) {
    if (e.find('=') == std::string::npos || e.front() == '=') {
      spdlog::error("invalid --env \"{}\": expected KEY=VALUE", e);
      return exit_code::kMonocellFailed;
    }
  }
  bool broken = false;
  auto resolved = resolve_app(config.hypervisor, config.app, &error, &broken);
  if (!resolved) {
    spdlog::error("{}", error);
    return broken ? exit_code::kCannotRun : exit_code::kNotFound;
  }
  config.image = resolved->path;
  if (resolved->image) {
    apply_image_defaults(*resolved->image, {command.size() > 1, options.cwd_given, options.memory_given}, &config);
    // Its memfd goes with this process (and `app`); a monitor without it finds the image again.
    config.image = "image store: " + config.app;
  }
  if (app != nullptr) *app = std::move(resolved);
  return 0;
}

}  // namespace monocell::cli
