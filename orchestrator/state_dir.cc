// A running guest's state directory.
#include "orchestrator/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hypervisors/common/shared_image_file.h"

namespace monocell {
namespace fs = std::filesystem;

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

bool guest_is_live(const std::string& name) {
  const int fd = open(state_dir_of(name).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  // A live monitor holds the directory's lock for its whole life.
  const bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

namespace {

void write_status(const fs::path& dir, const std::string& status) {
  const fs::path tmp = dir / "status.tmp";
  std::ofstream(tmp) << status << "\n";
  std::error_code ec;
  fs::rename(tmp, dir / "status", ec);
}

}  // namespace

bool settle_dead_guest(const std::string& name, const std::function<bool()>& clean_up) {
  const fs::path dir = state_dir_of(name);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool settled = false;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
    settled = clean_up();
    if (settled) write_status(dir, "ended");
  }
  close(fd);  // releases the lock
  return settled;
}

void wait_until_released(const std::string& name) {
  const int fd = open(state_dir_of(name).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  while (flock(fd, LOCK_SH) != 0 && errno == EINTR) {
  }
  close(fd);
}

bool remove_dead_state_dir(const std::string& name, const std::function<bool(std::string*)>& clean_up,
                           std::string* error) {
  const fs::path dir = state_dir_of(name);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;
  bool removed = false;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    *error = "a monitor still holds " + dir.string();
  } else if (clean_up(error)) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    removed = !ec;
    if (ec) *error = "cannot remove " + dir.string() + ": " + ec.message();
    // A monitor that died held its image's shared copy to the end: the copy goes with it, unless
    // another running guest still holds it.
    SharedImageFile::remove_unheld(shared_images_root());
  }
  close(fd);
  return removed;
}

std::unique_ptr<StateDir> StateDir::claim(const GuestConfig& config, std::string* error) {
  const fs::path dir = state_dir_of(config.name);
  std::error_code ec;
  fs::create_directories(state_root(), ec);
  if (ec) {
    *error = "cannot create " + state_root() + ": " + ec.message();
    return nullptr;
  }
  // The claim is the exclusive lock on the directory, held until the monitor ends: two
  // monitors cannot both hold it, and a crashed monitor's lock goes with its process.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      *error = "cannot create " + dir.string() + ": " + std::strerror(errno);
      return nullptr;
    }
    const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;  // removed by a monitor that just ended: try again
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      *error = "a guest named \"" + config.name + "\" is already running (" + dir.string() + ")";
      return nullptr;
    }
    // The directory we locked must still be the one at the path (not one a finishing monitor
    // removed after we opened it).
    struct stat locked {};
    struct stat current {};
    if (fstat(fd, &locked) != 0 || stat(dir.c_str(), &current) != 0 || locked.st_ino != current.st_ino ||
        locked.st_dev != current.st_dev) {
      close(fd);
      continue;
    }
    // Whatever a dead monitor left behind goes.
    for (const auto& entry : fs::directory_iterator(dir, ec)) fs::remove_all(entry.path(), ec);
    fchmod(fd, 0700);  // the config holds the app's environment, which may hold secrets
    std::unique_ptr<StateDir> state(new StateDir(dir.string(), fd));
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
  *error = "cannot claim " + dir.string() + ": it keeps disappearing";
  return nullptr;
}

void StateDir::set_status(const std::string& status) { write_status(path_, status); }

StateDir::~StateDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  close(lock_fd_);  // releases the claim
}

}  // namespace monocell
