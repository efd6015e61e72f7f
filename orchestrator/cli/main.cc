// monocell: the command line. Daemonless: each guest's monitor is `run` in the foreground, or a
// detached process of its own (`run -d`, `start`).
#include <CLI/CLI.hpp>
#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <monocell/boot_abi.h>
#include <monocell/xen_abi.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/image_command.h"
#include "orchestrator/cli/run_command.h"
#include "orchestrator/cli/xen_sibling.h"
#include "orchestrator/exit_codes.h"

namespace {

// protobuf's own complaints (a guest's Envelope with a string that is not UTF-8, say) are the
// monitor's business, not the user's terminal's: they go to the log, at debug level.
void log_protobuf(google::protobuf::LogLevel, const char* file, int line, const std::string& message) {
  spdlog::debug("protobuf ({}:{}): {}", file, line, message);
}

}  // namespace

int main(int argc, char** argv) {
  google::protobuf::SetLogHandler(log_protobuf);
  monocell::cli::remember_argv(argv);
  CLI::App app{"monocell: every container in its own micro-VM"};
  app.require_subcommand(1);
  // The version and the guest ABIs this monitor speaks (an image must match them).
  app.set_version_flag("--version", std::string("monocell ") + MONOCELL_VERSION + " (guest boot ABI " +
                                        std::to_string(monocell::boot::kBootAbiVersion) + ", Xen rendezvous ABI " +
                                        std::to_string(monocell::xen::kXenAbiVersion) + ")");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.parse_complete_callback([&log_level] {
    auto logger = spdlog::stderr_color_mt("monocell");
    const auto level = spdlog::level::from_str(log_level);
    // Debug and trace lines carry the time of day to the microsecond: where a run spends it.
    logger->set_pattern(level <= spdlog::level::debug ? "monocell: %H:%M:%S.%f %^%l%$: %v" : "monocell: %^%l%$: %v");
    logger->set_level(level);
    spdlog::set_default_logger(logger);
  });

  int exit_code = 0;
  monocell::cli::add_run_command(app, &exit_code);
  monocell::cli::add_create_command(app, &exit_code);
  monocell::cli::add_start_command(app, &exit_code);
  monocell::cli::add_call_command(app, &exit_code);
  monocell::cli::add_stats_command(app, &exit_code);
  monocell::cli::add_stop_command(app, &exit_code);
  monocell::cli::add_kill_command(app, &exit_code);
  monocell::cli::add_restart_command(app, &exit_code);
  monocell::cli::add_rm_command(app, &exit_code);
  monocell::cli::add_ps_command(app, &exit_code);
  monocell::cli::add_inspect_command(app, &exit_code);
  monocell::cli::add_wait_command(app, &exit_code);
  monocell::cli::add_logs_command(app, &exit_code);
  monocell::cli::add_generate_command(app, &exit_code);
  monocell::cli::add_image_command(app, &exit_code);
  monocell::cli::add_completion_command(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : monocell::exit_code::kMonocellFailed;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return monocell::exit_code::kMonocellFailed;
  }
  return exit_code;
}
