// `monocell stats NAME`: the guest's own view of its uptime, CPU time, memory and rings.
#include <cstdio>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/control_client.h"

namespace monocell::cli {
namespace {

int stats(const std::string& name) {
  std::string error;
  auto client = ControlClient::connect(name, &error);
  if (!client) {
    spdlog::error("{}", error);
    return 1;
  }
  v1::Envelope request;
  request.mutable_stats_request();
  v1::Envelope reply;
  if (!client->request(request, &reply, 10'000, &error) || !reply.has_stats()) {
    spdlog::error("stats of {}: {}", name,
                  error.empty() ? (reply.has_call_reply() ? reply.call_reply().message() : "no stats in the reply") : error);
    return 1;
  }
  const v1::Stats& s = reply.stats();
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
  CLI::App* cmd = app.add_subcommand("stats", "Show a running guest's uptime, CPU time, memory and ring counters");
  cmd->add_option("name", *name, "The guest's name")->required();
  cmd->callback([name, exit_code] { *exit_code = stats(*name); });
}

}  // namespace monocell::cli
