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

// Each field checked for its type, so a wrong one is named ("\"memory_mib\" is not ...").
[[noreturn]] void wrong(const char* key, const char* expected) {
  throw std::invalid_argument(std::string("\"") + key + "\" is not " + expected);
}
const json* member(const json& j, const char* key, bool required) {
  if (j.contains(key) && !j[key].is_null()) return &j[key];
  if (required) throw std::invalid_argument(std::string("\"") + key + "\" is missing");
  return nullptr;
}
std::string text_of(const json& j, const char* key, bool required = true, const std::string& fallback = "") {
  const json* v = member(j, key, required);
  if (v == nullptr) return fallback;
  if (!v->is_string()) wrong(key, "a string");
  return v->get<std::string>();
}
uint64_t unsigned_of(const json& j, const char* key, bool required = true, uint64_t fallback = 0) {
  const json* v = member(j, key, required);
  if (v == nullptr) return fallback;
  if (!v->is_number_unsigned()) wrong(key, "a number from 0 up");
  return v->get<uint64_t>();
}
double number_of(const json& j, const char* key, double fallback) {
  const json* v = member(j, key, false);
  if (v == nullptr) return fallback;
  if (!v->is_number() || v->get<double>() < 0) wrong(key, "a number from 0 up");
  return v->get<double>();
}
std::vector<std::string> strings_of(const json& j, const char* key, bool required = true) {
  const json* v = member(j, key, required);
  std::vector<std::string> out;
  if (v == nullptr) return out;
  if (!v->is_array()) wrong(key, "a list of strings");
  for (const json& e : *v) {
    if (!e.is_string()) wrong(key, "a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}
bool flag_of(const json& j, const char* key) {
  const json* v = member(j, key, false);
  if (v == nullptr) return false;
  if (!v->is_boolean()) wrong(key, "true or false");
  return v->get<bool>();
}

std::string time_text(int64_t ns) { return ns == 0 ? "" : format_time(ns); }

int64_t time_of(const json& j, const char* key) {
  const std::string text = text_of(j, key, false);
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
      {"restart_policy", restart_policy_text(r.restart)},
      {"restart_exit_codes", restart_exit_codes_text(r.restart)},
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
    r.id = text_of(j, "id");
    r.created_ns = time_of(j, "created");
    r.auto_remove = flag_of(j, "auto_remove");
    GuestConfig& c = r.config;
    c.name = text_of(j, "name");
    c.hypervisor = text_of(j, "hypervisor");
    c.app = text_of(j, "app");
    c.image = text_of(j, "image");
    c.argv = strings_of(j, "argv");
    c.env = strings_of(j, "env", false);
    c.cwd = text_of(j, "cwd", false, "/");
    c.memory_mib = unsigned_of(j, "memory_mib");
    c.timeout_s = number_of(j, "timeout_s", 0);
    const uint64_t grace_ms = unsigned_of(j, "grace_ms", false, 10'000);
    if (grace_ms > UINT32_MAX) wrong("grace_ms", "a number of milliseconds below 2^32");
    c.grace_ms = static_cast<uint32_t>(grace_ms);
    if (c.argv.empty()) throw std::invalid_argument("\"argv\" is empty");
    std::string why;
    const auto restart = parse_restart_policy(text_of(j, "restart_policy", false, "no"),
                                              text_of(j, "restart_exit_codes", false), &why);
    if (!restart) throw std::invalid_argument(why);
    r.restart = *restart;
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
      {"stopped_by_user", s.stopped_by_user},
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
    s.status = text_of(j, "status");
    if (s.status != "created" && s.status != "running" && s.status != "exited") {
      throw std::invalid_argument("unknown status \"" + s.status + "\"");
    }
    s.started_ns = time_of(j, "started");
    s.ended_ns = time_of(j, "ended");
    if (const json* code = member(j, "exit_code", false)) {
      if (!code->is_number_integer() || code->get<int64_t>() < 0 || code->get<int64_t>() > 255) {
        wrong("exit_code", "an exit code from 0 to 255");
      }
      s.exit_code = code->get<int>();
    }
    s.error = text_of(j, "error", false);
    s.monitor_pid = static_cast<long>(unsigned_of(j, "monitor_pid", false, 0));
    const uint64_t restarts = unsigned_of(j, "restart_count", false, 0);
    if (restarts > INT32_MAX) wrong("restart_count", "a number of restarts below 2^31");
    s.restart_count = static_cast<int>(restarts);
    s.stopped_by_user = flag_of(j, "stopped_by_user");
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
