// What this host offers for Xen, seen without Xen's libraries: whether it is a dom0 (xenfs's
// /proc/xen/capabilities), whether the toolstack's privcmd device is there, whether xenstored
// answers. Shared by the CLI's choice of hypervisor and the Xen backend's first checks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace monocell::xen {

inline constexpr char kCapabilitiesPath[] = "/proc/xen/capabilities";
inline constexpr char kPrivcmdPath[] = "/dev/xen/privcmd";

// The text of /proc/xen/capabilities, or nullopt with `why` (missing: no xenfs, or not Xen).
std::optional<std::string> read_capabilities(std::string* why);

// True when the capabilities name "control_d", as they do in dom0 only.
bool capabilities_say_dom0(std::string_view capabilities);

// True when /dev/xen/privcmd exists (the toolstack's hypercall device).
bool privcmd_present();

// True when xenstored accepts a connection on its unix socket ($XENSTORED_PATH,
// /run/xenstored/socket or /var/run/xenstored/socket).
bool xenstored_reachable();

// True in a Xen dom0 that can run guests: control_d in the capabilities, or privcmd and a
// reachable xenstored. Otherwise false with `why`, naming what is missing and what to do.
bool is_dom0(std::string* why);

}  // namespace monocell::xen
