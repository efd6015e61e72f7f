// A guest's restart policy (`--restart`, `--restart-exit-codes`): whether its monitor boots it
// again after it ended, and how long the monitor waits before each new boot.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

namespace monocell {

// The policies' names, as `--restart` takes them (on-failure also as on-failure:N).
inline constexpr const char* kRestartPolicyWords[] = {"no", "on-failure", "always", "unless-stopped"};

struct RestartPolicy {
  enum class Mode { kNo, kOnFailure, kAlways, kUnlessStopped };
  Mode mode = Mode::kNo;
  std::optional<int> max_restarts;  // on-failure:N; none: no limit
  // Exit codes that count as a failure for on-failure; empty: every code but 0.
  std::bitset<256> failure_codes;

  bool operator==(const RestartPolicy&) const = default;
};

// Parses `--restart` ("no", "on-failure", "on-failure:N" with N from 1, "always",
// "unless-stopped") and `--restart-exit-codes` (empty, or comma-separated exit codes from 0 to
// 255 and ranges such as 1-5, only with on-failure). Nullopt with `error` naming the value
// that is wrong and what is accepted.
std::optional<RestartPolicy> parse_restart_policy(const std::string& policy, const std::string& exit_codes,
                                                  std::string* error);

// The policy as `--restart` takes it ("on-failure:2"), and its exit codes as
// `--restart-exit-codes` takes them ("1-5,7"; empty for the default).
std::string restart_policy_text(const RestartPolicy& policy);
std::string restart_exit_codes_text(const RestartPolicy& policy);

// Whether the guest that ended with `exit_code` after `restarts_done` restarts is booted again.
// A guest a user stopped (stop, kill, rm -f, a stop signal to its monitor) never is.
bool should_restart(const RestartPolicy& policy, int exit_code, int restarts_done, bool stopped_by_user);

// The wait before each restart: 100 ms, doubling after every restart up to 10 s; a run that
// lasted 10 s or more counts as healthy and starts the doubling over.
class RestartBackoff {
 public:
  static constexpr uint64_t kInitialMs = 100;
  static constexpr uint64_t kMaxMs = 10'000;
  static constexpr uint64_t kHealthyRunMs = 10'000;

  // The wait before the next boot, after a run that lasted `run_ms`.
  uint64_t delay_after_run(uint64_t run_ms);

 private:
  uint64_t next_ms_ = kInitialMs;
};

}  // namespace monocell
