// The persistent store of guests.
#include "orchestrator/guest_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "orchestrator/state_dir.h"
#include "orchestrator/timestamp.h"

namespace monocell {
namespace fs = std::filesystem;

std::string config_path_of(const std::string& id) { return guest_data_dir(id) + "/config.json"; }
std::string state_path_of(const std::string& id) { return guest_data_dir(id) + "/state.json"; }
std::string log_dir_of(const std::string& id) { return guest_data_dir(id) + "/logs"; }

bool save_guest_state(const std::string& id, const GuestState& state, std::string* error) {
  return write_file_atomically(state_path_of(id), state_to_json(state), error);
}

namespace {

// A guest's files are written before its name claims them, and its name goes before them at
// rm: a CLI killed in between leaves files no name leads to. Each create sweeps away those
// older than this (younger ones may be a create under way in another CLI).
constexpr auto kOrphanAge = std::chrono::minutes(1);

// Guest directories and names, counted from the two directory listings alone (no link read,
// no stat): what a create can afford with a thousand guests in the store.
size_t count_guest_dirs() {
  size_t count = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(guests_root(), ec)) {
    if (is_guest_id(entry.path().filename().string())) ++count;
  }
  return count;
}

size_t count_names() {
  size_t count = 0;
  std::error_code ec;
  for (fs::directory_iterator it(names_root(), ec), end; !ec && it != end; it.increment(ec)) ++count;
  return count;
}

void sweep_orphaned_guests() {
  // A name is made after its guest's files and removed before them, so a store without orphans
  // holds no more guest directories than names; the names are read one by one only when it
  // holds more. (A name whose directory someone deleted by hand hides one orphan until it is
  // removed with rm.)
  if (count_guest_dirs() <= count_names()) return;
  std::set<std::string> named;
  for (const GuestRef& guest : list_guests()) named.insert(guest.id);
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(guests_root(), ec)) {
    const std::string id = entry.path().filename().string();
    std::error_code entry_ec;
    if (!is_guest_id(id) || named.count(id) != 0) continue;
    if (now - fs::last_write_time(entry.path(), entry_ec) < kOrphanAge || entry_ec) continue;
    fs::remove_all(entry.path(), entry_ec);
  }
}

}  // namespace

bool create_guest(GuestRecord* record, std::string* error) {
  std::error_code ec;
  for (const std::string& dir : {guests_root(), names_root()}) {
    fs::create_directories(dir, ec);
    if (ec) {
      *error = "cannot create " + dir + ": " + ec.message();
      return false;
    }
  }
  fs::permissions(data_root(), fs::perms::owner_all, ec);  // configs hold the app's environment
  sweep_orphaned_guests();
  record->id = new_guest_id();
  record->created_ns = now_ns();
  const std::string dir = guest_data_dir(record->id);
  if (mkdir(dir.c_str(), 0700) != 0 || mkdir(log_dir_of(record->id).c_str(), 0700) != 0) {
    *error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  if (!write_file_atomically(config_path_of(record->id), record_to_json(*record), error) ||
      !save_guest_state(record->id, GuestState{}, error)) {
    fs::remove_all(dir, ec);
    return false;
  }
  // The claim: symlink() creates the name or fails if it exists, atomically.
  const std::string link = names_root() + "/" + record->config.name;
  if (symlink(record->id.c_str(), link.c_str()) != 0) {
    const int saved = errno;
    fs::remove_all(dir, ec);
    if (saved == EEXIST) {
      std::error_code read_ec;
      const std::string holder = fs::read_symlink(link, read_ec).string();
      *error = "the name \"" + record->config.name + "\" is already in use by guest " + short_id(holder) +
               ": remove it (monocell rm " + record->config.name + ") or choose another --name";
    } else {
      *error = "cannot create " + link + ": " + std::strerror(saved);
    }
    return false;
  }
  return true;
}

std::vector<GuestRef> list_guests() {
  std::vector<GuestRef> guests;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(names_root(), ec)) {
    std::error_code link_ec;
    const std::string id = fs::read_symlink(entry.path(), link_ec).string();
    if (link_ec || !is_guest_id(id)) continue;
    guests.push_back({entry.path().filename().string(), id});
  }
  std::sort(guests.begin(), guests.end(), [](const GuestRef& a, const GuestRef& b) { return a.name < b.name; });
  return guests;
}

std::optional<GuestRef> resolve_guest(const std::string& reference, std::string* error) {
  return resolve_guest_reference(reference, list_guests(), error);
}

bool remove_guest(const GuestRef& guest, std::string* error) {
  const std::string link = names_root() + "/" + guest.name;
  std::error_code ec;
  if (fs::read_symlink(link, ec).string() == guest.id && unlink(link.c_str()) != 0 && errno != ENOENT) {
    *error = "cannot remove " + link + ": " + std::strerror(errno);
    return false;
  }
  fs::remove_all(guest_data_dir(guest.id), ec);
  if (ec) {
    *error = "cannot remove " + guest_data_dir(guest.id) + ": " + ec.message();
    return false;
  }
  return true;
}

GuestView observe_guest(const GuestRef& ref) {
  GuestView view;
  view.ref = ref;
  std::string error;
  view.record = load_record(config_path_of(ref.id), &error);
  if (!view.record) view.error = error;
  // Liveness before the state: a monitor writes its final state before it lets go of its lock.
  view.live = guest_is_live(ref.name);
  auto state = load_state(state_path_of(ref.id), &error);
  if (!state) {
    if (view.error.empty()) view.error = error;
    state = GuestState{};
    state->status = "exited";
  }
  view.state = *state;
  if (view.live && view.state.status != "exited") {
    std::ifstream(state_dir_of(ref.name) + "/status") >> view.phase;
    view.state.status = "running";
  } else if (view.state.status == "running") {
    // Its monitor is gone without saying how the guest ended: killed, or the host restarted.
    view.state.status = "exited";
    view.state.exit_code.reset();
    if (view.state.error.empty()) {
      view.state.error = "its monitor ended without recording the guest's end (killed, or the host restarted)";
    }
  }
  return view;
}

std::string GuestView::status_text() const {
  if (!error.empty()) return "corrupt";
  if (live && state.status == "running") return phase.empty() || phase == "exited" ? "running" : phase;
  if (state.status == "exited") {
    return "exited (" + (state.exit_code ? std::to_string(*state.exit_code) : std::string("unknown")) + ")";
  }
  return state.status;
}

}  // namespace monocell
