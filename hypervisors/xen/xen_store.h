// One connection to xenstored (libxenstore): bounded reads, writes of the monitor's own keys,
// and watches whose events arrive on a file descriptor the caller polls (xs_fileno).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct xs_handle;

namespace monocell::xen {

class XenStore {
 public:
  // Connects to xenstored. Throws XenError when it cannot ("xenstored is not running?").
  XenStore();
  ~XenStore();
  XenStore(const XenStore&) = delete;
  XenStore& operator=(const XenStore&) = delete;

  struct Value {
    enum class Status { kOk, kMissing, kTooLong, kFailed } status = Status::kFailed;
    std::string text;  // kOk: the value, which may hold any bytes
    size_t length = 0;  // kTooLong: its length
    std::string error;  // kFailed: why
  };
  // Reads `path`; a value longer than `max_length` bytes is refused, not returned.
  Value read(const std::string& path, size_t max_length);

  // Watches `path` (and below); events come with `token`. Throws XenError.
  void watch(const std::string& path, const std::string& token);
  void unwatch(const std::string& path, const std::string& token) noexcept;
  // Readable when watch events are pending.
  int fd() const { return fd_; }
  // The tokens of the watch events that arrived, without blocking.
  std::vector<std::string> pending_tokens();

  // "/local/domain/<domid>".
  static std::string domain_path(uint32_t domid);

 private:
  xs_handle* handle_ = nullptr;
  int fd_ = -1;
};

}  // namespace monocell::xen
