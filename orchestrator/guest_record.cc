// A guest's config and state as JSON.
#include "orchestrator/guest_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "orchestrator/timestamp.h"

namespace monocell {
namespace {

using nlohmann::json;

std::string time_text(int64_t ns) { return ns == 0 ? "" : format_time(ns); }

int64_t time_of(const json& j, const char* key) {
  const std::string text = j.value(key, std::string());
  if (text.empty()) return 0;
  const auto ns = parse_time(text);
  if (!ns) throw std::invalid_argument(std::string("\"") + key + "\" is not an RFC 3339 time: \"" + text + "\"");
  return *ns;
}

std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string record_to_json(const GuestRecord& r) {
  const GuestConfig& c = r.config;
  const json j = {
      {"id", r.id},
      {"name", c.name},
      {"created", time_text(r.created_ns)},
      {"auto_remove", r.auto_remove},
      {"hypervisor", c.hypervisor},
      {"app", c.app},
      {"image", c.image},
      {"argv", c.argv},
      {"env", c.env},
      {"cwd", c.cwd},
      {"memory_mib", c.memory_mib},
      {"timeout_s", c.timeout_s},
      {"grace_ms", c.grace_ms},
  };
  return j.dump(2) + "\n";
}

std::optional<GuestRecord> record_from_json(const std::string& text, std::string* error) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "not a JSON object";
    return std::nullopt;
  }
  try {
    GuestRecord r;
    r.id = j.at("id").get<std::string>();
    r.created_ns = time_of(j, "created");
    r.auto_remove = j.value("auto_remove", false);
    GuestConfig& c = r.config;
    c.name = j.at("name").get<std::string>();
    c.hypervisor = j.at("hypervisor").get<std::string>();
    c.app = j.at("app").get<std::string>();
    c.image = j.at("image").get<std::string>();
    c.argv = j.at("argv").get<std::vector<std::string>>();
    c.env = j.value("env", std::vector<std::string>());
    c.cwd = j.value("cwd", std::string("/"));
    c.memory_mib = j.at("memory_mib").get<uint64_t>();
    c.timeout_s = j.value("timeout_s", 0.0);
    c.grace_ms = j.value("grace_ms", uint32_t{10'000});
    if (c.argv.empty()) throw std::invalid_argument("\"argv\" is empty");
    return r;
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
}

std::string state_to_json(const GuestState& s) {
  json j = {
      {"status", s.status},
      {"started", time_text(s.started_ns)},
      {"ended", time_text(s.ended_ns)},
      {"exit_code", s.exit_code ? json(*s.exit_code) : json(nullptr)},
      {"error", s.error},
      {"monitor_pid", s.monitor_pid},
      {"restart_count", s.restart_count},
  };
  return j.dump(2) + "\n";
}

std::optional<GuestState> state_from_json(const std::string& text, std::string* error) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "not a JSON object";
    return std::nullopt;
  }
  try {
    GuestState s;
    s.status = j.at("status").get<std::string>();
    if (s.status != "created" && s.status != "running" && s.status != "exited") {
      throw std::invalid_argument("unknown status \"" + s.status + "\"");
    }
    s.started_ns = time_of(j, "started");
    s.ended_ns = time_of(j, "ended");
    if (j.contains("exit_code") && !j["exit_code"].is_null()) s.exit_code = j["exit_code"].get<int>();
    s.error = j.value("error", std::string());
    s.monitor_pid = j.value("monitor_pid", 0L);
    s.restart_count = j.value("restart_count", 0);
    return s;
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
}

std::optional<GuestRecord> load_record(const std::string& path, std::string* error) {
  const auto text = read_file(path, error);
  if (!text) return std::nullopt;
  auto record = record_from_json(*text, error);
  if (!record) *error = path + " is corrupt (" + *error + "): remove the guest with monocell rm -f";
  return record;
}

std::optional<GuestState> load_state(const std::string& path, std::string* error) {
  const auto text = read_file(path, error);
  if (!text) return std::nullopt;
  auto state = state_from_json(*text, error);
  if (!state) *error = path + " is corrupt (" + *error + "): remove the guest with monocell rm -f";
  return state;
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string* error) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "cannot write " + tmp + ": " + std::strerror(errno);
      close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace monocell
