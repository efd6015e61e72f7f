// What the persistent store keeps of a guest, as JSON: its config (config.json, written once
// at create) and its state (state.json, rewritten by the monitor as the guest starts and
// ends). A file that does not parse, or holds the wrong types, is an error that names the
// file, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hypervisors/backend.h"
#include "orchestrator/restart_policy.h"

namespace monocell {

struct GuestRecord {
  std::string id;
  int64_t created_ns = 0;
  bool auto_remove = false;  // --rm: everything goes when the guest ends
  RestartPolicy restart;  // --restart, --restart-exit-codes
  GuestConfig config;  // its state_dir is the monitor's, not stored
};

struct GuestState {
  std::string status = "created";  // created, running, exited
  int64_t started_ns = 0;  // 0: never started
  int64_t ended_ns = 0;  // 0: not ended (or ended without its monitor knowing)
  // Of the guest's last end; while it runs again after a restart, of the run before.
  std::optional<int> exit_code;
  std::string error;  // how the monitor saw the end: a fault report, a kill, a failure
  long monitor_pid = 0;
  int restart_count = 0;  // boots by the restart policy since the guest was last started
  bool stopped_by_user = false;  // its last end was asked for (stop, kill, rm -f, a stop signal)
};

std::string record_to_json(const GuestRecord& record);
std::optional<GuestRecord> record_from_json(const std::string& text, std::string* error);
std::string state_to_json(const GuestState& state);
std::optional<GuestState> state_from_json(const std::string& text, std::string* error);

// Reads and parses a file (the error names it); writes one atomically (a temporary file
// renamed over it, so a reader sees the old or the new one whole).
std::optional<GuestRecord> load_record(const std::string& path, std::string* error);
std::optional<GuestState> load_state(const std::string& path, std::string* error);
bool write_file_atomically(const std::string& path, const std::string& text, std::string* error);

}  // namespace monocell
