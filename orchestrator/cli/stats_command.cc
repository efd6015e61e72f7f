// `monocell stats [--format table|json] NAME|ID`: the guest's own view of its uptime, CPU time,
// memory and rings, once.
#include <cstdio>
#include <memory>

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"

namespace monocell::cli {
namespace {

nlohmann::json stats_json(const GuestRef& guest, const v1::Stats& s) {
  nlohmann::json rings = nlohmann::json::array();
  for (const auto& r : s.rings()) {
    rings.push_back({{"ring", r.ring()}, {"frames", r.frames()}, {"bytes", r.bytes()},
                     {"notifications", r.notifications()}, {"sleeps", r.sleeps()}});
  }
  return {{"id", guest.id},
          {"name", guest.name},
          {"uptime_ns", s.uptime_ns()},
          {"cpu_time_ns", s.cpu_time_ns()},
          {"memory_used_bytes", s.memory().used_bytes()},
          {"memory_total_bytes", s.memory().total_bytes()},
          {"unknown_syscalls", s.unknown_syscalls()},
          {"rings", rings}};
}

int stats(const std::string& reference, const std::string& format) {
  std::string error;
  GuestRef guest;
  auto client = connect_guest(reference, &guest);
  if (!client) return kVerbFailed;
  const std::string& name = guest.name;
  v1::Envelope request;
  request.mutable_stats_request();
  v1::Envelope reply;
  if (!client->request(request, &reply, 10'000, &error) || !reply.has_stats()) {
    spdlog::error("stats of {}: {}", name,
                  error.empty() ? (reply.has_call_reply() ? reply.call_reply().message() : "no stats in the reply") : error);
    return kVerbFailed;
  }
  const v1::Stats& s = reply.stats();
  if (format == "json") {
    std::printf("%s\n", stats_json(guest, s).dump(2).c_str());
    return 0;
  }
  std::printf("uptime      %.3f s\n", static_cast<double>(s.uptime_ns()) / 1e9);
  std::printf("cpu time    %.3f s\n", static_cast<double>(s.cpu_time_ns()) / 1e9);
  std::printf("memory      %.1f MiB used", static_cast<double>(s.memory().used_bytes()) / (1 << 20));
  if (s.memory().total_bytes() != 0) std::printf(" of %.1f MiB", static_cast<double>(s.memory().total_bytes()) / (1 << 20));
  std::printf("\n");
  if (s.unknown_syscalls() != 0) std::printf("unknown syscalls %llu\n", static_cast<unsigned long long>(s.unknown_syscalls()));
  for (const auto& r : s.rings()) {
    std::printf("ring %-16s frames %llu  bytes %llu  notifications %llu  sleeps %llu\n", r.ring().c_str(),
                static_cast<unsigned long long>(r.frames()), static_cast<unsigned long long>(r.bytes()),
                static_cast<unsigned long long>(r.notifications()), static_cast<unsigned long long>(r.sleeps()));
  }
  return 0;
}

}  // namespace

void add_stats_command(CLI::App& app, int* exit_code) {
  auto name = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  CLI::App* cmd = app.add_subcommand("stats", "Show a running guest's uptime, CPU time, memory and ring counters");
  cmd->add_option("guest", *name, "NAME, ID or unique ID prefix")->required();
  cmd->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  auto no_stream = std::make_shared<bool>(false);  // docker's flag; one report is all stats prints
  cmd->add_flag("--no-stream", *no_stream, "One report (what stats always prints)");
  cmd->callback([name, format, no_stream, exit_code] { *exit_code = stats(*name, *format); });
}

}  // namespace monocell::cli
