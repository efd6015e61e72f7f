// `monocell wait NAME|ID...`: blocks until each guest has ended and prints its exit code.
#include <cstdio>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {

void add_wait_command(CLI::App& app, int* exit_code) {
  auto references = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("wait", "Wait until guests have ended and print their exit codes");
  cmd->add_option("guests", *references, "NAME, ID or unique ID prefix of each guest")->required();
  cmd->footer("Exit status: 0; 1 if a guest is not found, was never started, or ended without a known code.");
  cmd->callback([references, exit_code] {
    for (const std::string& reference : *references) {
      const auto guest = find_guest(reference);
      if (!guest) {
        *exit_code = kVerbFailed;
        continue;
      }
      wait_until_released(guest->name);
      const GuestView view = observe_guest(*guest);
      if (!view.error.empty()) {
        spdlog::error("guest {}: {}", guest->name, view.error);
        *exit_code = kVerbFailed;
      } else if (view.state.status == "created") {
        spdlog::error("guest {} has not been started: monocell start {}", guest->name, guest->name);
        *exit_code = kVerbFailed;
      } else if (!view.state.exit_code) {
        spdlog::error("guest {} ended with an unknown exit code: {}", guest->name, view.state.error);
        *exit_code = kVerbFailed;
      } else {
        std::printf("%d\n", *view.state.exit_code);
      }
    }
  });
}

}  // namespace monocell::cli
