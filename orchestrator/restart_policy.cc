// A guest's restart policy: parsing, its text, the decision to restart and the backoff.
#include "orchestrator/restart_policy.h"

#include <algorithm>
#include <charconv>

namespace monocell {
namespace {

constexpr char kPolicyForms[] =
    "expected no, on-failure, on-failure:N (N restarts at most, N from 1), always or unless-stopped";
constexpr char kExitCodeForms[] =
    "expected comma-separated exit codes from 0 to 255 or ranges of them such as 1-5 (e.g. 1,3-5,137)";

// A whole decimal number, no sign, no spaces.
std::optional<long> whole_number(const std::string& text) {
  long value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || stop != end || text[0] == '-' || text[0] == '+') return std::nullopt;
  return value;
}

std::optional<int> exit_code(const std::string& text) {
  const auto value = whole_number(text);
  if (!value || *value > 255) return std::nullopt;
  return static_cast<int>(*value);
}

bool parse_exit_codes(const std::string& text, std::bitset<256>* codes, std::string* error) {
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t dash = item.find('-', 1);
    const auto first = exit_code(item.substr(0, dash));
    const auto last = dash == std::string::npos ? first : exit_code(item.substr(dash + 1));
    if (!first || !last || *last < *first) {
      *error = "invalid --restart-exit-codes \"" + text + "\": \"" + item + "\" is not an exit code or a range; " +
               kExitCodeForms;
      return false;
    }
    for (int code = *first; code <= *last; ++code) codes->set(static_cast<size_t>(code));
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

}  // namespace

std::optional<RestartPolicy> parse_restart_policy(const std::string& policy, const std::string& exit_codes,
                                                  std::string* error) {
  RestartPolicy parsed;
  const std::string on_failure = "on-failure";
  if (policy == "no") {
    parsed.mode = RestartPolicy::Mode::kNo;
  } else if (policy == "always") {
    parsed.mode = RestartPolicy::Mode::kAlways;
  } else if (policy == "unless-stopped") {
    parsed.mode = RestartPolicy::Mode::kUnlessStopped;
  } else if (policy == on_failure) {
    parsed.mode = RestartPolicy::Mode::kOnFailure;
  } else if (policy.rfind(on_failure + ":", 0) == 0) {
    parsed.mode = RestartPolicy::Mode::kOnFailure;
    const std::string count = policy.substr(on_failure.size() + 1);
    const auto n = whole_number(count);
    if (!n || *n < 1 || *n > 1'000'000) {
      *error = "invalid --restart \"" + policy + "\": \"" + count +
               "\" is not a number of restarts from 1 to 1000000 (on-failure without :N restarts without a limit)";
      return std::nullopt;
    }
    parsed.max_restarts = static_cast<int>(*n);
  } else {
    *error = "invalid --restart \"" + policy + "\": " + kPolicyForms;
    return std::nullopt;
  }
  if (!exit_codes.empty()) {
    if (parsed.mode != RestartPolicy::Mode::kOnFailure) {
      *error = "--restart-exit-codes \"" + exit_codes + "\" applies only to --restart on-failure[:N], not to \"" + policy + "\"";
      return std::nullopt;
    }
    if (!parse_exit_codes(exit_codes, &parsed.failure_codes, error)) return std::nullopt;
  }
  return parsed;
}

std::string restart_policy_text(const RestartPolicy& policy) {
  switch (policy.mode) {
    case RestartPolicy::Mode::kNo:
      return "no";
    case RestartPolicy::Mode::kOnFailure:
      return policy.max_restarts ? "on-failure:" + std::to_string(*policy.max_restarts) : "on-failure";
    case RestartPolicy::Mode::kAlways:
      return "always";
    case RestartPolicy::Mode::kUnlessStopped:
      return "unless-stopped";
  }
  return "no";
}

std::string restart_exit_codes_text(const RestartPolicy& policy) {
  std::string text;
  for (int code = 0; code < 256;) {
    if (!policy.failure_codes.test(static_cast<size_t>(code))) {
      ++code;
      continue;
    }
    int last = code;
    while (last + 1 < 256 && policy.failure_codes.test(static_cast<size_t>(last + 1))) ++last;
    if (!text.empty()) text += ',';
    text += std::to_string(code);
    if (last > code) text += "-" + std::to_string(last);
    code = last + 1;
  }
  return text;
}

bool should_restart(const RestartPolicy& policy, int exit_code, int restarts_done, bool stopped_by_user) {
  if (stopped_by_user) return false;
  switch (policy.mode) {
    case RestartPolicy::Mode::kNo:
      return false;
    case RestartPolicy::Mode::kAlways:
    case RestartPolicy::Mode::kUnlessStopped:
      return true;
    case RestartPolicy::Mode::kOnFailure: {
      const bool failed = policy.failure_codes.none() ? exit_code != 0
                                                      : exit_code >= 0 && exit_code < 256 &&
                                                            policy.failure_codes.test(static_cast<size_t>(exit_code));
      return failed && (!policy.max_restarts || restarts_done < *policy.max_restarts);
    }
  }
  return false;
}

uint64_t RestartBackoff::delay_after_run(uint64_t run_ms) {
  if (run_ms >= kHealthyRunMs) next_ms_ = kInitialMs;
  const uint64_t delay = next_ms_;
  next_ms_ = std::min(next_ms_ * 2, kMaxMs);
  return delay;
}

}  // namespace monocell
