// `monocell restart [-t S] NAME|ID...`: stops each guest if it runs, then starts it detached.
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {

void add_restart_command(CLI::App& app, int* exit_code) {
  auto references = std::make_shared<std::vector<std::string>>();
  auto grace_s = std::make_shared<double>(10);
  CLI::App* cmd = app.add_subcommand("restart", "Stop guests (if running) and start them again, detached");
  cmd->add_option("guests", *references, "NAME, ID or unique ID prefix of each guest")->required();
  cmd->add_option("-t,--time,--grace-period", *grace_s, "Seconds each guest has to stop before it is killed")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->footer("Exit status: 0 once every guest runs again; 1 no such guest; else as for monocell start.");
  cmd->callback([references, grace_s, exit_code] {
    for (const std::string& reference : *references) {
      const auto guest = find_guest(reference);
      if (!guest) {
        *exit_code = kVerbFailed;
        continue;
      }
      if (guest_is_live(guest->name) && stop_guest(guest->id, *grace_s, true) != 0) {
        *exit_code = kVerbFailed;
        continue;
      }
      if (const int code = start_guest(guest->id, false); code != 0) *exit_code = code;
    }
  });
}

}  // namespace monocell::cli
