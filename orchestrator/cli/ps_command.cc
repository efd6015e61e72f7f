// `monocell ps`: the guests whose monitors run on this host, from their state directories.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {
namespace {

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

int ps() {
  namespace fs = std::filesystem;
  std::printf("%-24s %-9s %-10s %-8s %s\n", "NAME", "STATUS", "HYPERVISOR", "PID", "APP");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(state_root(), ec)) {
    if (!entry.is_directory()) continue;
    const std::string pid_text = first_line(entry.path() / "pid");
    const long pid = pid_text.empty() ? 0 : std::strtol(pid_text.c_str(), nullptr, 10);
    std::string status = first_line(entry.path() / "status");
    if (!guest_is_live(entry.path().filename().string())) status = "dead";
    nlohmann::json config = nlohmann::json::parse(std::ifstream(entry.path() / "config.json"), nullptr, false);
    const auto field = [&config](const char* key) {
      return config.is_object() && config.contains(key) && config[key].is_string() ? config[key].get<std::string>() : "?";
    };
    std::printf("%-24s %-9s %-10s %-8ld %s\n", entry.path().filename().c_str(), status.c_str(),
                field("hypervisor").c_str(), pid, field("app").c_str());
  }
  return 0;
}

}  // namespace

void add_ps_command(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("ps", "List the guests running on this host");
  cmd->callback([exit_code] { *exit_code = ps(); });
}

}  // namespace monocell::cli
