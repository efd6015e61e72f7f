// A running guest's state directory, `$MONOCELL_STATE_DIR/<name>/` (default /run/monocell),
// mode 0700: the monitor's pid, the guest's config, its status, and the control socket.
// Created by the monitor, which holds a lock on it while it lives, and removed when it ends.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hypervisors/backend.h"
#include "orchestrator/state_paths.h"

namespace monocell {

std::string state_dir_of(const std::string& name);
std::string control_socket_of(const std::string& name);

// A guest name is 1-63 of [A-Za-z0-9_.-], not starting with '.' or '-'.
bool valid_guest_name(const std::string& name, std::string* why);

// True while a monitor holds the guest's state directory.
bool guest_is_live(const std::string& name);

// For a guest whose monitor is gone: runs `clean_up` holding the directory's lock (no monitor
// can claim the name meanwhile) and, if it succeeds, sets the status to "ended". False if a
// monitor holds the directory or `clean_up` failed.
bool settle_dead_guest(const std::string& name, const std::function<bool()>& clean_up);

// Blocks until no monitor holds the guest's state directory (at once if there is none).
void wait_until_released(const std::string& name);

// For a guest whose monitor is gone: runs `clean_up` holding the directory's lock and removes
// the directory. True when nothing is left (also when there was no directory); false with
// `error` if a monitor holds it or `clean_up` failed.
bool remove_dead_state_dir(const std::string& name, const std::function<bool(std::string*)>& clean_up,
                           std::string* error);

class StateDir {
 public:
  // Claims `name`: fails if a live monitor already holds it.
  static std::unique_ptr<StateDir> claim(const GuestConfig& config, std::string* error);
  ~StateDir();
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;

  void set_status(const std::string& status);
  const std::string& path() const { return path_; }

 private:
  StateDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_;
};

}  // namespace monocell
