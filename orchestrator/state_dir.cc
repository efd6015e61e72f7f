// A running guest's state directory.
#include "orchestrator/state_dir.h"

#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace monocell {
namespace fs = std::filesystem;

std::string state_root() {
  const char* root = std::getenv("MONOCELL_STATE_DIR");
  return root != nullptr && *root != '\0' ? root : "/run/monocell";
}

std::string state_dir_of(const std::string& name) { return state_root() + "/" + name; }
std::string control_socket_of(const std::string& name) { return state_dir_of(name) + "/control.sock"; }

bool valid_guest_name(const std::string& name, std::string* why) {
  if (name.empty() || name.size() > 63) {
    *why = "a guest name has 1 to 63 characters";
    return false;
  }
  if (name[0] == '.' || name[0] == '-') {
    *why = "a guest name cannot start with '.' or '-'";
    return false;
  }
  for (const char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      *why = std::string("a guest name may hold only letters, digits, '_', '.' and '-', not '") + c + "'";
      return false;
    }
  }
  return true;
}

namespace {

bool monitor_alive(const fs::path& dir) {
  std::ifstream in(dir / "pid");
  pid_t pid = 0;
  return (in >> pid) && pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

}  // namespace

std::unique_ptr<StateDir> StateDir::claim(const GuestConfig& config, std::string* error) {
  const fs::path dir = state_dir_of(config.name);
  std::error_code ec;
  fs::create_directories(state_root(), ec);
  if (ec) {
    *error = "cannot create " + state_root() + ": " + ec.message();
    return nullptr;
  }
  if (!fs::create_directory(dir, ec)) {
    if (ec) {
      *error = "cannot create " + dir.string() + ": " + ec.message();
      return nullptr;
    }
    if (monitor_alive(dir)) {
      *error = "a guest named \"" + config.name + "\" is already running (" + dir.string() + ")";
      return nullptr;
    }
    // A stale directory from a monitor that died: take it over.
    fs::remove_all(dir, ec);
    fs::create_directory(dir, ec);
  }
  std::unique_ptr<StateDir> state(new StateDir(dir.string()));
  std::ofstream(dir / "pid") << getpid() << "\n";
  const nlohmann::json json = {
      {"name", config.name},       {"hypervisor", config.hypervisor}, {"app", config.app},
      {"image", config.image},     {"argv", config.argv},             {"env", config.env},
      {"memory_mib", config.memory_mib}, {"timeout_s", config.timeout_s}, {"grace_ms", config.grace_ms},
  };
  std::ofstream(dir / "config.json") << json.dump(2) << "\n";
  state->set_status("starting");
  return state;
}

void StateDir::set_status(const std::string& status) {
  const fs::path tmp = fs::path(path_) / "status.tmp";
  std::ofstream(tmp) << status << "\n";
  std::error_code ec;
  fs::rename(tmp, fs::path(path_) / "status", ec);
}

StateDir::~StateDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace monocell
