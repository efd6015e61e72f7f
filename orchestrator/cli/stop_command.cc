// `monocell stop NAME [--grace-period S]`: ask a guest to shut down, and wait until it has
// (its monitor kills it when the grace period runs out).
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/control_client.h"

namespace monocell::cli {
namespace {

int stop(const std::string& name, double grace_s) {
  std::string error;
  auto client = ControlClient::connect(name, &error);
  if (!client) {
    spdlog::error("{}", error);
    return 1;
  }
  v1::Envelope shutdown;
  shutdown.mutable_shutdown()->set_grace_period_ms(static_cast<uint32_t>(grace_s * 1000));
  shutdown.mutable_shutdown()->set_reason("monocell stop");
  // The monitor kills the guest when the grace period ends; allow it time to do so.
  if (!client->send_and_wait_for_end(shutdown, static_cast<int>(grace_s * 1000) + 10'000, &error)) {
    spdlog::error("stop {}: {}", name, error);
    return 1;
  }
  return 0;
}

}  // namespace

void add_stop_command(CLI::App& app, int* exit_code) {
  auto name = std::make_shared<std::string>();
  auto grace_s = std::make_shared<double>(10);
  CLI::App* cmd = app.add_subcommand("stop", "Shut a running guest down gracefully and wait until it has ended");
  cmd->add_option("name", *name, "The guest's name")->required();
  cmd->add_option("--grace-period", *grace_s, "Seconds the guest has before it is killed")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->callback([name, grace_s, exit_code] { *exit_code = stop(*name, *grace_s); });
}

}  // namespace monocell::cli
