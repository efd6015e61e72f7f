// Probing the host for Xen's dom0.
#include "hypervisors/xen/xen_host_probe.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace monocell::xen {
namespace {

bool connects(const std::string& path) {
  sockaddr_un address{};
  if (path.empty() || path.size() >= sizeof address.sun_path) return false;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::optional<std::string> read_capabilities(std::string* why) {
  std::ifstream in(kCapabilitiesPath);
  if (!in) {
    *why = std::string(kCapabilitiesPath) + " does not exist (not running on Xen, or xenfs is not mounted on /proc/xen)";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool capabilities_say_dom0(std::string_view capabilities) {
  size_t at = 0;
  while ((at = capabilities.find("control_d", at)) != std::string_view::npos) {
    const bool starts = at == 0 || capabilities[at - 1] == ' ' || capabilities[at - 1] == '\n';
    const size_t end = at + 9;
    const bool ends = end == capabilities.size() || capabilities[end] == ' ' || capabilities[end] == '\n';
    if (starts && ends) return true;
    at = end;
  }
  return false;
}

bool privcmd_present() { return ::access(kPrivcmdPath, F_OK) == 0; }

bool xenstored_reachable() {
  if (const char* path = std::getenv("XENSTORED_PATH"); path != nullptr && *path != '\0') return connects(path);
  return connects("/run/xenstored/socket") || connects("/var/run/xenstored/socket");
}

bool is_dom0(std::string* why) {
  std::string missing;
  const auto capabilities = read_capabilities(&missing);
  if (capabilities && capabilities_say_dom0(*capabilities)) return true;
  if (privcmd_present() && xenstored_reachable()) return true;
  if (capabilities) {
    *why = std::string("not a Xen dom0: ") + kCapabilitiesPath + " does not say control_d (this is a Xen guest, not its dom0)";
  } else if (privcmd_present()) {
    *why = "not a usable Xen dom0: " + missing + ", and xenstored is not running (start xenstored, or mount xenfs)";
  } else {
    *why = "not a Xen dom0: " + missing;
  }
  return false;
}

}  // namespace monocell::xen
