// `monocell ps [-a] [-q] [--format table|json]`: the guests on this host, from the store, as
// they are now (a guest whose monitor is gone shows as exited, with its code if it was
// recorded), and how often their restart policy booted them again. A Xen guest whose monitor
// is gone may have left its domain: ps destroys it (and says so); the static monocell hands
// that to monocell-xen (xen_sibling.h).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "orchestrator/backend_factory.h"
#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_json.h"
#include "orchestrator/cli/xen_sibling.h"
#include "orchestrator/guest_store.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {
namespace {

struct PsOptions {
  bool all = false;
  bool quiet = false;
  std::string format = "table";
};

std::string volatile_status(const std::string& name) {
  std::string status;
  std::ifstream(state_dir_of(name) + "/status") >> status;
  return status;
}

// "0", or the restarts and the code of the run before the current one ("2 (last 3)").
std::string restarts_text(const GuestView& v) {
  std::string text = std::to_string(v.state.restart_count);
  if (v.state.restart_count > 0 && v.state.exit_code) text += " (last " + std::to_string(*v.state.exit_code) + ")";
  return text;
}

// Xen guests whose monitor died may have left a domain (and a state directory saying so).
void reconcile_xen(const std::vector<GuestView>& guests) {
  std::vector<const GuestView*> dead;
  for (const GuestView& v : guests) {
    if (v.record && v.record->config.hypervisor == "xen" && !v.live &&
        std::filesystem::exists(state_dir_of(v.ref.name)) &&
        needs_xen_to_reconcile("xen", false, volatile_status(v.ref.name))) {
      dead.push_back(&v);
    }
  }
  if (dead.empty()) return;
  std::string error;
  if (!run_here_or_exec_sibling(true, &error)) {
    spdlog::warn("{}; Xen guests whose monitor is gone are listed as exited, their domains not checked", error);
    return;
  }
  for (const GuestView* v : dead) {
    std::string done;
    const bool settled = settle_dead_guest(v->ref.name, [&] {
      return clean_up_after_monitor("xen", v->ref.name, state_dir_of(v->ref.name), &done, &error);
    });
    if (settled && !done.empty()) spdlog::info("guest {}: {}", v->ref.name, done);
    if (!settled && !error.empty()) spdlog::warn("guest {}: its monitor is gone: {}", v->ref.name, error);
  }
}

int ps(const PsOptions& options) {
  std::vector<GuestView> guests;
  for (const GuestRef& ref : list_guests()) {
    GuestView view = observe_guest(ref);
    if (options.all || view.live) guests.push_back(std::move(view));
  }
  reconcile_xen(guests);
  if (options.quiet) {
    for (const GuestView& v : guests) std::printf("%s\n", short_id(v.ref.id).c_str());
    return 0;
  }
  if (options.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const GuestView& v : guests) out.push_back(guest_json(v, false));
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%-12s  %-24s %-17s %-10s %-14s %-8s %s\n", "ID", "NAME", "STATUS", "HYPERVISOR", "RESTARTS", "PID",
              "APP");
  for (const GuestView& v : guests) {
    const std::string pid = v.live ? std::to_string(v.state.monitor_pid) : "-";
    std::printf("%-12s  %-24s %-17s %-10s %-14s %-8s %s\n", short_id(v.ref.id).c_str(), v.ref.name.c_str(),
                v.status_text().c_str(), v.record ? v.record->config.hypervisor.c_str() : "?", restarts_text(v).c_str(),
                pid.c_str(),
                v.record ? v.record->config.app.c_str() : "?");
  }
  return 0;
}

}  // namespace

void add_ps_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<PsOptions>();
  CLI::App* cmd = app.add_subcommand("ps", "List the running guests on this host (-a: every guest)");
  cmd->add_flag("-a,--all", options->all, "Every guest, ended and created ones too");
  cmd->add_flag("-q,--quiet", options->quiet, "Only their short IDs");
  cmd->add_option("--format", options->format, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  cmd->callback([options, exit_code] { *exit_code = ps(*options); });
}

}  // namespace monocell::cli
