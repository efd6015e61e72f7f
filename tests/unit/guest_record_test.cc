// Unit tests of a guest's config and state files: they round-trip, and a corrupt one is a
// clear error, never a crash.
#include <catch2/catch.hpp>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "orchestrator/guest_record.h"
#include "orchestrator/timestamp.h"
#include "tests/support/command.h"

using monocell::GuestRecord;
using monocell::GuestState;
using monocell::testing::TempDir;

TEST_CASE("a guest's config and state round-trip through JSON") {
  GuestRecord record;
  record.id = std::string(64, 'a');
  record.created_ns = 1'700'000'000'123'456'789;
  record.auto_remove = true;
  record.config.name = "web";
  record.config.hypervisor = "kvm";
  record.config.app = "echo";
  record.config.image = "/images/echo";
  record.config.argv = {"echo", "x y"};
  record.config.env = {"K=V"};
  record.config.memory_mib = 48;
  std::string error;
  const auto back = monocell::record_from_json(monocell::record_to_json(record), &error);
  REQUIRE(back);
  CHECK(back->id == record.id);
  CHECK(back->created_ns == record.created_ns);
  CHECK(back->auto_remove);
  CHECK(back->config.argv == record.config.argv);
  CHECK(back->config.env == record.config.env);
  CHECK(back->config.memory_mib == 48);

  GuestState state;
  state.status = "exited";
  state.started_ns = 1'700'000'000'000'000'001;
  state.ended_ns = 1'700'000'001'000'000'000;
  state.exit_code = 143;
  state.error = "forwarded SIGTERM";
  const auto state_back = monocell::state_from_json(monocell::state_to_json(state), &error);
  REQUIRE(state_back);
  CHECK(state_back->exit_code == 143);
  CHECK(state_back->started_ns == state.started_ns);
  CHECK(state_back->ended_ns == state.ended_ns);
  GuestState unknown;
  unknown.status = "exited";
  CHECK_FALSE(monocell::state_from_json(monocell::state_to_json(unknown), &error)->exit_code.has_value());
}

TEST_CASE("a guest's restart policy and restart state round-trip; a config without a policy has none") {
  GuestRecord record;
  record.id = std::string(64, 'b');
  record.config.name = "flaky";
  record.config.hypervisor = "process";
  record.config.app = "hello";
  record.config.argv = {"hello", "3"};
  std::string error;
  record.restart = *monocell::parse_restart_policy("on-failure:2", "1-3,137", &error);
  const std::string text = monocell::record_to_json(record);
  const auto back = monocell::record_from_json(text, &error);
  REQUIRE(back);
  CHECK(back->restart == record.restart);

  auto without = nlohmann::json::parse(text);
  without.erase("restart_policy");
  without.erase("restart_exit_codes");
  const auto older = monocell::record_from_json(without.dump(), &error);
  REQUIRE(older);
  CHECK(older->restart.mode == monocell::RestartPolicy::Mode::kNo);

  auto corrupt = nlohmann::json::parse(text);
  corrupt["restart_policy"] = "sometimes";
  CHECK_FALSE(monocell::record_from_json(corrupt.dump(), &error));
  CHECK_THAT(error, Catch::Contains("\"sometimes\""));

  GuestState state;
  state.status = "running";
  state.exit_code = 3;
  state.restart_count = 2;
  state.stopped_by_user = true;
  const auto state_back = monocell::state_from_json(monocell::state_to_json(state), &error);
  REQUIRE(state_back);
  CHECK(state_back->restart_count == 2);
  CHECK(state_back->exit_code == 3);
  CHECK(state_back->stopped_by_user);
}

TEST_CASE("corrupt config and state files are errors that name the file and what is wrong") {
  TempDir dir;
  const std::string path = dir.path() + "/state.json";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not a JSON object"},
      {"{\"status\": \"running\"", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {"{}", "status"},
      {"{\"status\": 7}", "status"},
      {"{\"status\": \"dancing\"}", "unknown status \"dancing\""},
      {"{\"status\": \"exited\", \"exit_code\": \"zero\"}", "exit_code"},
      {"{\"status\": \"exited\", \"started\": \"yesterday\"}", "\"started\" is not an RFC 3339 time"},
      {std::string("\x00\xff\xfe", 3), "not a JSON object"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    std::string error;
    CHECK_FALSE(monocell::load_state(path, &error));
    CHECK(error.find(path + " is corrupt") != std::string::npos);
    CHECK(error.find(expected) != std::string::npos);
    CHECK(error.find("monocell rm -f") != std::string::npos);
  }
  const std::string config = dir.path() + "/config.json";
  for (const std::string text : {"{}", "{\"id\": 1}", "{\"id\":\"x\",\"name\":\"n\",\"hypervisor\":\"kvm\",\"app\":\"a\","
                                 "\"image\":\"i\",\"argv\":[],\"memory_mib\":64}",
                                 "{\"id\":\"x\",\"name\":\"n\",\"hypervisor\":\"kvm\",\"app\":\"a\",\"image\":\"i\","
                                 "\"argv\":[\"a\"],\"memory_mib\":-1}"}) {
    INFO(text);
    std::ofstream(config, std::ios::trunc) << text;
    std::string error;
    CHECK_FALSE(monocell::load_record(config, &error));
    CHECK(error.find(config + " is corrupt") != std::string::npos);
  }
  std::string error;
  CHECK_FALSE(monocell::load_state(dir.path() + "/missing.json", &error));
  CHECK(error.find("cannot read") != std::string::npos);
}

TEST_CASE("times print as RFC 3339 in UTC and parse back; --since takes durations") {
  const int64_t t = 1'764'691'796'123'456'789;
  const std::string text = monocell::format_time(t);
  CHECK(text == "2025-12-02T16:09:56.123456789Z");
  CHECK(monocell::parse_time(text) == t);
  CHECK(monocell::parse_time("2025-12-02T17:09:56+01:00") == t - 123'456'789);
  CHECK(monocell::parse_time("2999-01-01T00:00:00Z") == std::numeric_limits<int64_t>::max());
  CHECK_FALSE(monocell::parse_time("2025-12-02 16:09:56"));
  CHECK_FALSE(monocell::parse_time("2025-12-02T16:09:56Zjunk"));
  CHECK(monocell::parse_since("10s", t) == t - 10'000'000'000);
  CHECK(monocell::parse_since("2m", t) == t - 120'000'000'000);
  CHECK(monocell::parse_since("1700000000", t) == 1'700'000'000'000'000'000);
  CHECK_FALSE(monocell::parse_since("soon", t));
  CHECK_FALSE(monocell::parse_since("5 parsecs", t));
}
