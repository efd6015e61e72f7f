// `monocell inspect NAME|ID...`: each guest's config and state as a JSON array.
#include <cstdio>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_json.h"
#include "orchestrator/cli/guest_lookup.h"

namespace monocell::cli {

void add_inspect_command(CLI::App& app, int* exit_code) {
  auto references = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show guests' config and state as JSON");
  cmd->add_option("guests", *references, "NAME, ID or unique ID prefix of each guest")->required();
  cmd->footer("Exit status: 0; 1 if a guest is not found or its files are corrupt (it is shown as far as they can be read).");
  cmd->callback([references, exit_code] {
    nlohmann::json out = nlohmann::json::array();
    for (const std::string& reference : *references) {
      const auto guest = find_guest(reference);
      if (!guest) {
        *exit_code = kVerbFailed;
        continue;
      }
      const GuestView view = observe_guest(*guest);
      if (!view.error.empty()) {
        spdlog::error("guest {}: {}", guest->name, view.error);
        *exit_code = kVerbFailed;
      }
      out.push_back(guest_json(view, true));
    }
    std::printf("%s\n", out.dump(2).c_str());
  });
}

}  // namespace monocell::cli
