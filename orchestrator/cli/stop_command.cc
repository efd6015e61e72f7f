// `monocell stop [-t S] NAME|ID...`: asks each guest to shut down, and waits until it has
// ended and its monitor recorded how (the monitor kills it when the grace period runs out).
#include <cstdio>
#include <fstream>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {

namespace {

// The monitor's status while it lives: "exited" once it is recording the guest's end.
std::string monitor_status(const std::string& name) {
  std::string status;
  std::ifstream(state_dir_of(name) + "/status") >> status;
  return status;
}

}  // namespace

int stop_guest(const std::string& reference, double grace_s, bool quiet) {
  GuestRef guest;
  auto client = connect_guest(reference, &guest);
  if (!client) return kVerbFailed;
  v1::Envelope shutdown;
  shutdown.mutable_shutdown()->set_grace_period_ms(static_cast<uint32_t>(grace_s * 1000));
  shutdown.mutable_shutdown()->set_reason("monocell stop");
  std::string error;
  // The monitor kills the guest when the grace period ends; allow it time to do so.
  const int timeout_ms = static_cast<int>(grace_s * 1000) + 10'000;
  if (!client->send_and_wait_for_end(shutdown, timeout_ms, &error)) {
    spdlog::error("stop {}: {}", guest.name, error);
    return kVerbFailed;
  }
  // A guest under a restart policy whose run ended as the stop came may be booting again
  // (the monitor closed the connection with that run): ask its next run too.
  while (guest_is_live(guest.name) && monitor_status(guest.name) != "exited") {
    auto again = ControlClient::connect(guest.name, &error);
    if (!again) break;  // its monitor is gone meanwhile
    if (!again->send_and_wait_for_end(shutdown, timeout_ms, &error)) {
      spdlog::error("stop {}: {}", guest.name, error);
      return kVerbFailed;
    }
  }
  wait_until_released(guest.name);  // its end is recorded
  if (!quiet) std::printf("%s\n", reference.c_str());
  return 0;
}

void add_stop_command(CLI::App& app, int* exit_code) {
  auto references = std::make_shared<std::vector<std::string>>();
  auto grace_s = std::make_shared<double>(10);
  CLI::App* cmd = app.add_subcommand("stop", "Shut running guests down gracefully and wait until they have ended");
  cmd->add_option("guests", *references, "NAME, ID or unique ID prefix of each guest")->required();
  cmd->add_option("-t,--time,--grace-period", *grace_s, "Seconds the guest has before it is killed")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->footer("Exit status: 0 when every guest has ended; 1 if one is not running or not found.");
  cmd->callback([references, grace_s, exit_code] {
    for (const std::string& reference : *references) {
      if (stop_guest(reference, *grace_s, false) != 0) *exit_code = kVerbFailed;
    }
  });
}

}  // namespace monocell::cli
