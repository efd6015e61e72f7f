// `monocell start [-a] NAME|ID...`: starts created (or ended) guests, detached, or with -a
// attached in the foreground as `run` does.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"
#include "orchestrator/cli/xen_sibling.h"
#include "orchestrator/exit_codes.h"
#include "orchestrator/guest_launcher.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {

int start_guest(const std::string& reference, bool attach) {
  const auto guest = find_guest(reference);
  if (!guest) return kVerbFailed;
  const auto record = load_guest_record(*guest);
  if (!record) return kVerbFailed;
  if (guest_is_live(guest->name)) {
    if (attach) {
      spdlog::error("guest {} is already running: monocell logs -f {} follows its output", guest->name, guest->name);
      return kVerbFailed;
    }
    std::printf("%s\n", guest->name.c_str());
    return 0;
  }
  std::string error;
  if (!run_here_or_exec_sibling(record->config.hypervisor == "xen", &error)) {
    spdlog::error("{}", error);
    return exit_code::kMonocellFailed;
  }
  if (attach) return run_monitor(*record, STDOUT_FILENO, STDERR_FILENO, -1);
  const int code = start_detached(*record, &error);
  if (code != 0) {
    spdlog::error("{}", error);
    return code;
  }
  std::printf("%s\n", guest->name.c_str());
  return 0;
}

void add_start_command(CLI::App& app, int* exit_code) {
  auto references = std::make_shared<std::vector<std::string>>();
  auto attach = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("start", "Start created or ended guests (detached; -a: in the foreground)");
  cmd->add_flag("-a,--attach", *attach, "Run in the foreground with the guest's output, as monocell run does");
  cmd->add_option("guests", *references, "NAME, ID or unique ID prefix of each guest")->required();
  cmd->footer("Exit status: 0 once each guest runs; with -a the guest's own, as for monocell run;\n"
              "1 no such guest; 125 monocell failed; or the code of a guest that ended before it ran.");
  cmd->callback([references, attach, exit_code] {
    if (*attach && references->size() != 1) throw CLI::ValidationError("start -a", "attaches to one guest only");
    for (const std::string& reference : *references) {
      const int code = start_guest(reference, *attach);
      if (code != 0) *exit_code = code;
    }
  });
}

}  // namespace monocell::cli
