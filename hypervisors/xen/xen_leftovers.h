// What a dead monitor left behind: its guest's domain, found by its name ("monocell-<guest>")
// and told from anyone else's domain by monocell's tag (the guest's state directory, libxl
// userdata). Used when a new monitor takes over the guest's name and by `monocell ps`.
#pragma once

#include <string>

namespace monocell::xen {

class XenContext;

// The Xen domain name of a guest.
std::string domain_name_of(const std::string& guest_name);

// If a domain named `domain_name` exists and carries `state_dir` as its tag, destroys it and
// sets `done` to a sentence saying so. If one exists with another tag (or none), fails with
// `error` naming it. True when no such domain is left.
bool destroy_leftover(XenContext& context, const std::string& domain_name, const std::string& state_dir,
                      std::string* done, std::string* error);

// destroy_leftover for a guest whose monitor is gone, with a libxl context of its own.
bool clean_up_dead_guest(const std::string& guest_name, const std::string& state_dir, std::string* done,
                         std::string* error);

}  // namespace monocell::xen
