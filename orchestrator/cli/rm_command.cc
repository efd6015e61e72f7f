// `monocell rm [-f] [-i] NAME|ID...`: removes ended guests: their state, config and logs. A running
// guest only with -f, which kills it first. What a killed monitor left (its state directory,
// a Xen domain) goes too.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/backend_factory.h"
#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"
#include "orchestrator/cli/xen_sibling.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {
namespace {

// `killed`: a SIGKILL was sent to it already (rm -f kills every guest first).
int remove(const GuestRef& guest, const std::string& reference, bool force, bool killed) {
  if (guest_is_live(guest.name)) {
    if (!force) {
      spdlog::error("guest {} is running: stop it first (monocell stop {}) or remove it anyway with monocell rm -f",
                    guest.name, guest.name);
      return kVerbFailed;
    }
    std::string error;
    if (!killed && !send_signal(guest, SIGKILL, &error) && guest_is_live(guest.name)) {
      spdlog::error("rm -f {}: cannot reach its monitor: {}", guest.name, error);
      return kVerbFailed;
    }
    wait_until_released(guest.name);
  }
  std::string error;
  const auto record = load_record(config_path_of(guest.id), &error);  // corrupt: removed all the same
  const std::string hypervisor = record ? record->config.hypervisor : "";
  const bool cleaned = remove_dead_state_dir(
      guest.name,
      [&](std::string* why) {
        std::string done;
        if (!clean_up_after_monitor(hypervisor, guest.name, state_dir_of(guest.name), &done, why)) return false;
        if (!done.empty()) spdlog::info("guest {}: {}", guest.name, done);
        return true;
      },
      &error);
  if (!cleaned) {
    spdlog::error("rm {}: {}", guest.name, error);
    return kVerbFailed;
  }
  if (!remove_guest(guest, &error)) {
    spdlog::error("rm {}: {}", guest.name, error);
    return kVerbFailed;
  }
  std::printf("%s\n", reference.c_str());
  return 0;
}

// No guest has this name, and no ID starts with it.
bool names_no_guest(const std::string& reference) {
  for (const GuestRef& guest : list_guests()) {
    if (guest.name == reference || guest.id.starts_with(reference)) return false;
  }
  return true;
}

}  // namespace

void add_rm_command(CLI::App& app, int* exit_code) {
  auto references = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto ignore = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("rm", "Remove guests: their state, config and logs (running ones only with -f)");
  cmd->add_flag("-f,--force", *force, "Kill a running guest first");
  cmd->add_flag("-i,--ignore", *ignore, "No error for a guest that does not exist (a unit's clean-up before it starts)");
  cmd->add_option("guests", *references, "NAME, ID or unique ID prefix of each guest")->required();
  cmd->footer("Exit status: 0 when every guest is removed; 1 if one runs (without -f), is not found, or\n"
              "cannot be removed (a missing one is not an error with -i).");
  cmd->callback([references, force, ignore, exit_code] {
    std::vector<std::pair<GuestRef, std::string>> guests;
    bool needs_xen = false;
    for (const std::string& reference : *references) {
      if (*ignore && names_no_guest(reference)) continue;
      const auto guest = find_guest(reference);
      if (!guest) {
        *exit_code = kVerbFailed;
        continue;
      }
      std::string ignored;
      const auto record = load_record(config_path_of(guest->id), &ignored);
      needs_xen = needs_xen || (record && record->config.hypervisor == "xen" &&
                                std::filesystem::exists(state_dir_of(guest->name)));
      guests.emplace_back(*guest, reference);
    }
    // A Xen domain a dead monitor left needs monocell-xen to be destroyed (xen_sibling.h).
    std::string error;
    if (needs_xen && !run_here_or_exec_sibling(true, &error)) {
      spdlog::error("{}: a Xen guest's domain cannot be checked", error);
      *exit_code = kVerbFailed;
      return;
    }
    // Every running guest is killed before the first is waited for: their monitors end side
    // by side, not one after another (rm -f of a thousand guests).
    std::vector<bool> killed(guests.size(), false);
    for (size_t i = 0; *force && i < guests.size(); ++i) {
      std::string ignored;
      killed[i] = guest_is_live(guests[i].first.name) && send_signal(guests[i].first, SIGKILL, &ignored);
    }
    for (size_t i = 0; i < guests.size(); ++i) {
      if (remove(guests[i].first, guests[i].second, *force, killed[i]) != 0) *exit_code = kVerbFailed;
    }
  });
}

}  // namespace monocell::cli
