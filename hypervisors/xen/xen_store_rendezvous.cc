// Waiting for the guest's rendezvous in xenstore.
#include "hypervisors/xen/xen_store_rendezvous.h"

#include <poll.h>

#include <cerrno>

namespace monocell::xen {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string guest_dir(uint32_t domid) { return XenStore::domain_path(domid) + "/" + kStoreDir; }

}  // namespace

std::optional<std::string> read_guest_key(XenStore& store, uint32_t domid, const char* key, size_t max_length,
                                          std::string* error) {
  const std::string path = guest_dir(domid) + "/" + key;
  const XenStore::Value v = store.read(path, max_length);
  switch (v.status) {
    case XenStore::Value::Status::kOk:
      return v.text;
    case XenStore::Value::Status::kMissing:
      *error = path + " is missing";
      return std::nullopt;
    case XenStore::Value::Status::kTooLong:
      *error = path + " is " + std::to_string(v.length) + " bytes long; at most " + std::to_string(max_length) +
               " are read";
      return std::nullopt;
    case XenStore::Value::Status::kFailed:
      break;
  }
  *error = v.error;
  return std::nullopt;
}

StoreRendezvous::StoreRendezvous(XenStore& store, uint32_t domid)
    : store_(store),
      dir_(guest_dir(domid)),
      state_path_(dir_ + "/" + kKeyState),
      token_("monocell-state-" + std::to_string(domid)) {
  store_.watch(state_path_, token_);
}

StoreRendezvous::~StoreRendezvous() { store_.unwatch(state_path_, token_); }

StoreRendezvous::Result StoreRendezvous::wait(int ended_fd, int stop_fd, std::chrono::milliseconds timeout,
                                              uint32_t pages_needed) {
  const int64_t deadline = now_ms() + timeout.count();
  for (;;) {
    // The watch fired once when it was set and fires on each write, so reading after each
    // event (and once at first) sees every state the guest leaves.
    const XenStore::Value state = store_.read(state_path_, kMaxStateLength);
    if (state.status == XenStore::Value::Status::kOk && state.text == kStatePublished) {
      return check_published(pages_needed);
    }
    const int64_t left = deadline - now_ms();
    if (left <= 0) return Result{};
    pollfd fds[3] = {{store_.fd(), POLLIN, 0}, {ended_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    const int n = ::poll(fds, 3, static_cast<int>(left));
    if (n < 0 && errno != EINTR) return Result{};
    if (fds[1].revents != 0 || fds[2].revents != 0) {
      Result r;
      r.outcome = fds[1].revents != 0 ? Result::Outcome::kEnded : Result::Outcome::kStopped;
      return r;
    }
    if (fds[0].revents != 0) store_.pending_tokens();
  }
}

StoreRendezvous::Result StoreRendezvous::check_published(uint32_t pages_needed) {
  Result r;
  r.outcome = Result::Outcome::kRefused;
  PublishedKeys keys;
  const std::pair<const char*, std::optional<std::string>*> wanted[] = {
      {kKeyAbi, &keys.abi}, {kKeyRingRef, &keys.ring_ref}, {kKeyRingPages, &keys.ring_pages},
      {kKeyEventChannel, &keys.event_channel}};
  for (const auto& [key, slot] : wanted) {
    const XenStore::Value v = store_.read(dir_ + "/" + key, kMaxNumberLength);
    switch (v.status) {
      case XenStore::Value::Status::kOk:
        *slot = v.text;
        break;
      case XenStore::Value::Status::kMissing:
        break;  // check_rendezvous names it
      case XenStore::Value::Status::kTooLong:
        r.error = dir_ + "/" + key + " is " + std::to_string(v.length) + " bytes long; a number has at most " +
                  std::to_string(kMaxNumberLength);
        return r;
      case XenStore::Value::Status::kFailed:
        r.error = v.error;
        return r;
    }
  }
  const RendezvousCheck check = check_rendezvous(keys, pages_needed);
  if (!check.value) {
    r.incompatible = check.incompatible;
    r.error = check.error;
    return r;
  }
  r.outcome = Result::Outcome::kPublished;
  r.value = *check.value;
  return r;
}

}  // namespace monocell::xen
