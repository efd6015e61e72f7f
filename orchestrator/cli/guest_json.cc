// A guest as JSON.
#include "orchestrator/cli/guest_json.h"

#include "orchestrator/state_dir.h"
#include "orchestrator/timestamp.h"

namespace monocell::cli {
namespace {

nlohmann::json time_or_null(int64_t ns) { return ns == 0 ? nlohmann::json(nullptr) : nlohmann::json(format_time(ns)); }

}  // namespace

nlohmann::json guest_json(const GuestView& view, bool full) {
  using nlohmann::json;
  const GuestState& s = view.state;
  json j = {
      {"id", view.ref.id},
      {"name", view.ref.name},
      {"status", view.status_text()},
      {"state", s.status},
      {"running", view.live && s.status == "running"},
      {"exit_code", s.exit_code && s.status == "exited" ? json(*s.exit_code) : json(nullptr)},
      {"monitor_pid", view.live ? json(s.monitor_pid) : json(nullptr)},
      {"created", view.record ? time_or_null(view.record->created_ns) : json(nullptr)},
      {"started", time_or_null(s.started_ns)},
      {"ended", s.status == "exited" ? time_or_null(s.ended_ns) : json(nullptr)},
      {"restart_count", s.restart_count},
      // The last run's code: the final one once it has ended, the one before a restart while it runs.
      {"last_exit_code", s.exit_code ? json(*s.exit_code) : json(nullptr)},
  };
  if (view.record) {
    j["hypervisor"] = view.record->config.hypervisor;
    j["app"] = view.record->config.app;
  }
  if (!full) return j;
  j["error"] = view.error.empty() ? s.error : view.error;
  j["stopped_by_user"] = s.stopped_by_user;
  if (view.live) j["phase"] = view.phase;
  j["state_dir"] = state_dir_of(view.ref.name);
  j["data_dir"] = guest_data_dir(view.ref.id);
  if (view.record) {
    const GuestConfig& c = view.record->config;
    j["image"] = c.image;
    j["config"] = {
        {"app", c.app},          {"argv", c.argv},
        {"env", c.env},          {"cwd", c.cwd},
        {"memory_mib", c.memory_mib}, {"timeout_s", c.timeout_s},
        {"grace_ms", c.grace_ms},     {"auto_remove", view.record->auto_remove},
        {"hypervisor", c.hypervisor},
        {"restart_policy", restart_policy_text(view.record->restart)},
        {"restart_exit_codes", restart_exit_codes_text(view.record->restart)},
    };
  }
  return j;
}

}  // namespace monocell::cli
