// `monocell run [--hypervisor kvm|xen|process] [--memory MiB] [--timeout S] [--name N] APP [ARGS...]`
#include "orchestrator/cli/run_command.h"

#include <unistd.h>

#include <memory>
#include <random>

#include <spdlog/spdlog.h>

#include "orchestrator/app_resolver.h"
#include "orchestrator/backend_factory.h"
#include "orchestrator/cli/xen_sibling.h"
#include "orchestrator/control_socket.h"
#include "orchestrator/exit_codes.h"
#include "orchestrator/hypervisor_choice.h"
#include "orchestrator/monitor.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {
namespace {

struct RunOptions {
  std::string hypervisor;  // empty: what the host offers (hypervisor_choice.h)
  uint64_t memory_mib = 64;
  double timeout_s = 0;
  double grace_s = 10;
  std::string name;
  std::vector<std::string> env;
  std::string cwd = "/";
  bool memory_given = false;  // else an image's default memory applies
  bool cwd_given = false;  // else an image's default working directory applies
};

std::string generated_name(const std::string& app) {
  std::random_device rd;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rd()));
  std::string base = app.substr(app.find_last_of('/') + 1);
  base = base.substr(0, std::min<size_t>(base.find(':'), 54));  // an image's name, without its tag
  return base + "-" + suffix;
}

int run(const RunOptions& options, const std::vector<std::string>& command) {
  GuestConfig config;
  config.hypervisor = options.hypervisor;
  if (config.hypervisor.empty()) {
    const HypervisorChoice choice = choose_hypervisor(host_probes());
    if (choice.hypervisor.empty()) {
      spdlog::error("{}", choice.error);
      return exit_code::kMonocellFailed;
    }
    config.hypervisor = choice.hypervisor;
  }
  std::string error;
  // Before anything is claimed: monocell-xen, if it takes over, starts from the same argv.
  if (!run_here_or_exec_sibling(config.hypervisor == "xen", &error)) {
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
  const auto resolved = resolve_app(config.hypervisor, config.app, &error, &broken);
  if (!resolved) {
    spdlog::error("{}", error);
    return broken ? exit_code::kCannotRun : exit_code::kNotFound;
  }
  config.image = resolved->path;
  if (resolved->image) {
    apply_image_defaults(*resolved->image, {command.size() > 1, options.cwd_given, options.memory_given}, &config);
  }

  auto state = StateDir::claim(config, &error);
  if (!state) {
    spdlog::error("{}", error);
    return exit_code::kMonocellFailed;
  }
  config.state_dir = state->path();
  const int control_fd = listen_control_socket(control_socket_of(config.name), &error);
  if (control_fd < 0) {
    spdlog::error("{}", error);
    return exit_code::kMonocellFailed;
  }
  // Signals are blocked before the guest starts, so none is lost between start and monitor.
  Monitor::block_stop_signals();
  std::unique_ptr<Backend> backend = start_backend(config, &error);
  if (!backend) {
    spdlog::error("cannot start guest {}: {}", config.name, error);
    close(control_fd);
    return exit_code::kMonocellFailed;
  }
  spdlog::debug("guest {} started on {} ({})", config.name, config.hypervisor, config.image);
  Monitor monitor(config, *backend, MonitorOptions{STDOUT_FILENO, STDERR_FILENO, control_fd, state.get()});
  const int code = monitor.run();
  close(control_fd);
  return code;
}

}  // namespace

void add_run_command(CLI::App& app, int* run_exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run_cmd = app.add_subcommand("run", "Run an app in its own guest, in the foreground");
  run_cmd->add_option("--hypervisor", options->hypervisor,
                      "Where the guest runs (default: kvm where /dev/kvm is usable, else xen in a Xen dom0)")
      ->check(CLI::IsMember({"kvm", "xen", "process"}));
  run_cmd->add_option("--memory", options->memory_mib, "Guest memory in MiB")
      ->check(CLI::Range(uint64_t{16}, uint64_t{65536}))
      ->capture_default_str();
  // Bounded so the millisecond timers they become cannot overflow (a year, a day).
  run_cmd->add_option("--timeout", options->timeout_s, "Kill the guest after this many seconds (0: never)")
      ->check(CLI::Range(0.0, 31536000.0));
  run_cmd->add_option("--grace-period", options->grace_s, "Seconds between a forwarded stop signal and a kill")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  run_cmd->add_option("--name", options->name, "Name of the guest (default: APP-<random>)");
  run_cmd->add_option("-e,--env", options->env, "Set KEY=VALUE in the app's environment");
  run_cmd->add_option("-w,--workdir", options->cwd, "The app's working directory")->capture_default_str();
  // Everything from APP on belongs to the app, flags included.
  run_cmd->prefix_command();
  run_cmd->footer("APP [ARGS...]: an image NAME[:TAG] from the image store (its defaults apply unless\n"
                  "given here; ARGS replace its arguments), an app built under images/, or a path.\n"
                  "Exit status: the app's own; 124 timeout; 125 monocell failed; 126 app cannot run;\n"
                  "127 no such app; 128+N ended by signal N, or a CPU fault Linux signals with N (139 for a\n"
                  "page fault); 139 protocol violation.");
  run_cmd->callback([run_cmd, options, run_exit_code] {
    const std::vector<std::string> command = run_cmd->remaining();
    if (command.empty()) throw CLI::RequiredError("APP");
    // prefix_command() hands over everything from the first unknown word: a flag there was
    // meant for monocell, not an app.
    if (command.front().size() > 1 && command.front()[0] == '-') {
      throw CLI::ExtrasError(std::vector<std::string>{command.front()});
    }
    options->memory_given = run_cmd->count("--memory") > 0;
    options->cwd_given = run_cmd->count("--workdir") > 0;
    *run_exit_code = run(*options, command);
  });
}

}  // namespace monocell::cli
