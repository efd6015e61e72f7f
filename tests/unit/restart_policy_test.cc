// Unit tests of restart policies: what `--restart` and `--restart-exit-codes` accept and
// refuse, when a guest is booted again, and the backoff between boots.
#include <catch2/catch.hpp>

#include "orchestrator/restart_policy.h"

using monocell::parse_restart_policy;
using monocell::RestartBackoff;
using monocell::RestartPolicy;
using monocell::should_restart;

namespace {

RestartPolicy parsed(const std::string& policy, const std::string& exit_codes = "") {
  std::string error;
  const auto p = parse_restart_policy(policy, exit_codes, &error);
  INFO(error);
  REQUIRE(p);
  return *p;
}

std::string refusal(const std::string& policy, const std::string& exit_codes = "") {
  std::string error;
  CHECK_FALSE(parse_restart_policy(policy, exit_codes, &error));
  return error;
}

}  // namespace

TEST_CASE("restart policies parse and print back as given") {
  for (const std::string text : {"no", "on-failure", "on-failure:1", "on-failure:25", "always", "unless-stopped"}) {
    CHECK(monocell::restart_policy_text(parsed(text)) == text);
  }
  CHECK(parsed("on-failure:3").max_restarts == 3);
  CHECK_FALSE(parsed("on-failure").max_restarts);
  CHECK(parsed("unless-stopped").mode == RestartPolicy::Mode::kUnlessStopped);
}

TEST_CASE("restart exit codes take codes and ranges, and print back merged") {
  const RestartPolicy p = parsed("on-failure", "3,1-2,7,137");
  CHECK(monocell::restart_exit_codes_text(p) == "1-3,7,137");
  CHECK(p.failure_codes.test(2));
  CHECK_FALSE(p.failure_codes.test(4));
  CHECK(monocell::restart_exit_codes_text(parsed("on-failure:2", "0-255")) == "0-255");
  CHECK(monocell::restart_exit_codes_text(parsed("on-failure")).empty());
}

TEST_CASE("a bad policy or exit code list is refused, naming the value and what is accepted") {
  std::string error = refusal("sometimes");
  CHECK_THAT(error, Catch::Contains("\"sometimes\"") && Catch::Contains("on-failure:N") &&
                        Catch::Contains("unless-stopped"));
  error = refusal("on-failure:-1");
  CHECK_THAT(error, Catch::Contains("\"-1\"") && Catch::Contains("from 1"));
  CHECK_THAT(refusal("on-failure:0"), Catch::Contains("\"0\""));
  CHECK_THAT(refusal("on-failure:"), Catch::Contains("on-failure:"));
  CHECK_THAT(refusal("on-failure:2x"), Catch::Contains("\"2x\""));
  CHECK_THAT(refusal("on-failure:99999999999999999999"), Catch::Contains("from 1"));
  CHECK_THAT(refusal(""), Catch::Contains("expected no"));
  CHECK_THAT(refusal("Always"), Catch::Contains("\"Always\""));

  error = refusal("on-failure", "1,x");
  CHECK_THAT(error, Catch::Contains("\"1,x\"") && Catch::Contains("\"x\"") && Catch::Contains("0 to 255"));
  CHECK_THAT(refusal("on-failure", "256"), Catch::Contains("\"256\""));
  CHECK_THAT(refusal("on-failure", "5-1"), Catch::Contains("\"5-1\""));
  CHECK_THAT(refusal("on-failure", "1,,2"), Catch::Contains("\"\""));
  CHECK_THAT(refusal("on-failure", "-3"), Catch::Contains("\"-3\""));
  CHECK_THAT(refusal("on-failure", "1-"), Catch::Contains("\"1-\""));
  CHECK_THAT(refusal("always", "3"), Catch::Contains("only to --restart on-failure"));
  CHECK_THAT(refusal("no", "3"), Catch::Contains("only to --restart on-failure"));
}

TEST_CASE("on-failure restarts a failed guest until its limit; always restarts any end") {
  const RestartPolicy twice = parsed("on-failure:2");
  CHECK(should_restart(twice, 3, 0, false));
  CHECK(should_restart(twice, 3, 1, false));
  CHECK_FALSE(should_restart(twice, 3, 2, false));
  CHECK_FALSE(should_restart(twice, 0, 0, false));
  CHECK(should_restart(twice, 139, 0, false));  // a fault is a failure
  CHECK(should_restart(twice, 137, 0, false));  // so is a signal

  const RestartPolicy unlimited = parsed("on-failure");
  CHECK(should_restart(unlimited, 1, 1'000'000, false));

  const RestartPolicy only_four = parsed("on-failure", "4");
  CHECK(should_restart(only_four, 4, 0, false));
  CHECK_FALSE(should_restart(only_four, 3, 0, false));
  CHECK_FALSE(should_restart(only_four, 139, 0, false));

  for (const std::string text : {"always", "unless-stopped"}) {
    CHECK(should_restart(parsed(text), 0, 50, false));
    CHECK(should_restart(parsed(text), 1, 50, false));
  }
  CHECK_FALSE(should_restart(parsed("no"), 1, 0, false));
}

TEST_CASE("a guest a user stopped is never restarted, whatever its policy") {
  for (const std::string text : {"no", "on-failure", "always", "unless-stopped"}) {
    CHECK_FALSE(should_restart(parsed(text), 137, 0, true));
    CHECK_FALSE(should_restart(parsed(text), 0, 0, true));
  }
}

TEST_CASE("the backoff doubles from 100 ms up to its cap, and a healthy run starts it over") {
  RestartBackoff backoff;
  CHECK(backoff.delay_after_run(5) == 100);
  CHECK(backoff.delay_after_run(5) == 200);
  CHECK(backoff.delay_after_run(5) == 400);
  uint64_t delay = 0;
  for (int i = 0; i < 20; ++i) delay = backoff.delay_after_run(5);
  CHECK(delay == RestartBackoff::kMaxMs);
  CHECK(backoff.delay_after_run(RestartBackoff::kHealthyRunMs - 1) == RestartBackoff::kMaxMs);
  CHECK(backoff.delay_after_run(RestartBackoff::kHealthyRunMs) == RestartBackoff::kInitialMs);
  CHECK(backoff.delay_after_run(5) == 200);
}
