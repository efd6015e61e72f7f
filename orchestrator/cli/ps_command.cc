// `monocell ps`: the guests whose monitors run on this host, from their state directories. A
// guest whose monitor is gone shows as dead; for a Xen guest, a domain it left is destroyed (and
// said so). The static monocell hands that to monocell-xen (xen_sibling.h).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "orchestrator/backend_factory.h"
#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/xen_sibling.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {
namespace {

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

struct Record {
  std::string name;
  std::string path;
  long pid = 0;
  std::string status;
  bool live = false;
  std::string hypervisor;
  std::string app;
};

std::vector<Record> records() {
  namespace fs = std::filesystem;
  std::vector<Record> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(state_root(), ec)) {
    if (!entry.is_directory()) continue;
    Record r;
    r.name = entry.path().filename().string();
    r.path = state_dir_of(r.name);  // as the monitor tagged its domain
    const std::string pid_text = first_line(entry.path() / "pid");
    r.pid = pid_text.empty() ? 0 : std::strtol(pid_text.c_str(), nullptr, 10);
    r.status = first_line(entry.path() / "status");
    r.live = guest_is_live(r.name);
    nlohmann::json config = nlohmann::json::parse(std::ifstream(entry.path() / "config.json"), nullptr, false);
    const auto field = [&config](const char* key) {
      return config.is_object() && config.contains(key) && config[key].is_string() ? config[key].get<std::string>() : "?";
    };
    r.hypervisor = field("hypervisor");
    r.app = field("app");
    out.push_back(std::move(r));
  }
  return out;
}

int ps() {
  std::vector<Record> guests = records();
  bool reconcile = false;
  for (const Record& r : guests) reconcile = reconcile || needs_xen_to_reconcile(r.hypervisor, r.live, r.status);
  if (reconcile) {
    std::string error;
    if (!run_here_or_exec_sibling(true, &error)) {
      spdlog::warn("{}; Xen guests whose monitor is gone are listed as dead, their domains not checked", error);
      reconcile = false;
    }
  }
  std::printf("%-24s %-9s %-10s %-8s %s\n", "NAME", "STATUS", "HYPERVISOR", "PID", "APP");
  for (Record& r : guests) {
    // A guest whose monitor is gone shows as dead on every hypervisor; for Xen, its domain is
    // also checked once and destroyed if it was left behind.
    const std::string status = r.live ? r.status : "dead";
    if (!r.live && r.hypervisor == "xen" && r.status != "ended") {
      if (reconcile) {
        std::string done;
        std::string error;
        const bool settled = settle_dead_guest(r.name, [&] {
          return clean_up_after_monitor(r.hypervisor, r.name, r.path, &done, &error);
        });
        if (settled) {
          if (!done.empty()) spdlog::info("guest {}: {}", r.name, done);
        } else if (!error.empty()) {
          spdlog::warn("guest {}: its monitor is gone: {}", r.name, error);
        }
      }
    }
    std::printf("%-24s %-9s %-10s %-8ld %s\n", r.name.c_str(), status.c_str(), r.hypervisor.c_str(), r.pid,
                r.app.c_str());
  }
  return 0;
}

}  // namespace

void add_ps_command(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("ps", "List the guests on this host (reconciling Xen guests whose monitor is gone)");
  cmd->callback([exit_code] { *exit_code = ps(); });
}

}  // namespace monocell::cli
