// The xenstore connection.
#include "hypervisors/xen/xen_store.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "hypervisors/xen/xen_error.h"
#include "hypervisors/xen/xen_libs.h"

namespace monocell::xen {

XenStore::XenStore() {
  handle_ = xs_open(0);
  if (handle_ == nullptr) {
    throw_errno("xs_open (connecting to xenstore)", "; xenstored is not running (start it, as the Xen toolstack does)");
  }
  fd_ = xs_fileno(handle_);
  if (fd_ < 0) {
    const int e = errno;
    xs_close(handle_);
    errno = e;
    throw_errno("xs_fileno (the xenstore watch pipe)");
  }
}

XenStore::~XenStore() { xs_close(handle_); }

XenStore::Value XenStore::read(const std::string& path, size_t max_length) {
  Value v;
  unsigned int length = 0;
  void* data = xs_read(handle_, XBT_NULL, path.c_str(), &length);
  if (data == nullptr) {
    if (errno == ENOENT) {
      v.status = Value::Status::kMissing;
    } else {
      v.error = std::string("xs_read ") + path + " failed: " + std::strerror(errno);
    }
    return v;
  }
  if (length > max_length) {
    v.status = Value::Status::kTooLong;
    v.length = length;
  } else {
    v.status = Value::Status::kOk;
    v.text.assign(static_cast<const char*>(data), length);
  }
  std::free(data);
  return v;
}

void XenStore::watch(const std::string& path, const std::string& token) {
  if (!xs_watch(handle_, path.c_str(), token.c_str())) throw_errno("xs_watch " + path);
}

void XenStore::unwatch(const std::string& path, const std::string& token) noexcept {
  xs_unwatch(handle_, path.c_str(), token.c_str());
}

std::vector<std::string> XenStore::pending_tokens() {
  std::vector<std::string> tokens;
  // Bounded: a guest rewriting its keys in a loop cannot keep the caller here.
  for (int i = 0; i < 1024; ++i) {
    char** event = xs_check_watch(handle_);
    if (event == nullptr) break;
    tokens.emplace_back(event[XS_WATCH_TOKEN]);
    std::free(event);
  }
  return tokens;
}

std::string XenStore::domain_path(uint32_t domid) { return "/local/domain/" + std::to_string(domid); }

}  // namespace monocell::xen
