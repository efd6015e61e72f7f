// Where monocell keeps its state.
#include "orchestrator/state_paths.h"

#include <unistd.h>

#include <cstdlib>

namespace monocell {
namespace {

const char* env_path(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] == '/' ? value : nullptr;
}

}  // namespace

std::string state_root() {
  if (const char* chosen = std::getenv("MONOCELL_STATE_DIR"); chosen != nullptr && *chosen != '\0') return chosen;
  if (::geteuid() == 0) return "/run/monocell";
  if (const char* runtime = env_path("XDG_RUNTIME_DIR")) return std::string(runtime) + "/monocell";
  return "/tmp/monocell-" + std::to_string(::geteuid());
}

std::string data_root() {
  if (const char* chosen = std::getenv("MONOCELL_DATA_DIR"); chosen != nullptr && *chosen != '\0') return chosen;
  if (const char* state = std::getenv("MONOCELL_STATE_DIR"); state != nullptr && *state != '\0') {
    return std::string(state) + "/.data";
  }
  if (::geteuid() == 0) return "/var/lib/monocell";
  if (const char* data = env_path("XDG_DATA_HOME")) return std::string(data) + "/monocell";
  // (HOME, not the password database: the CLI is linked statically, without NSS.)
  if (const char* home = env_path("HOME")) return std::string(home) + "/.local/share/monocell";
  return "/tmp/monocell-data-" + std::to_string(::geteuid());
}

std::string shared_images_root() { return state_root() + "/.images"; }
std::string guests_root() { return data_root() + "/guests"; }
std::string names_root() { return data_root() + "/names"; }
std::string guest_data_dir(const std::string& id) { return guests_root() + "/" + id; }

}  // namespace monocell
