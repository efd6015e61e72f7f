// Cleaning up after dead monitors.
#include "hypervisors/xen/xen_leftovers.h"

#include "hypervisors/xen/xen_domain.h"
#include "hypervisors/xen/xen_error.h"

namespace monocell::xen {

std::string domain_name_of(const std::string& guest_name) { return "monocell-" + guest_name; }

bool destroy_leftover(XenContext& context, const std::string& domain_name, const std::string& state_dir,
                      std::string* done, std::string* error) {
  const auto domid = find_domain_by_name(context, domain_name);
  if (!domid) return true;
  const auto tag = domain_tag(context, *domid);
  if (state_dir.empty() || !tag || *tag != state_dir) {
    *error = "a Xen domain named " + domain_name + " already exists (domid " + std::to_string(*domid) +
             ") and was not started for " + (state_dir.empty() ? std::string("this guest") : state_dir) +
             "; choose another --name, or destroy it with `xl destroy " + std::to_string(*domid) + "`";
    return false;
  }
  if (!destroy_domain(context, *domid, error)) return false;
  *done = "destroyed Xen domain " + domain_name + " (domid " + std::to_string(*domid) +
          "), left behind by a monitor that is gone";
  return true;
}

bool clean_up_dead_guest(const std::string& guest_name, const std::string& state_dir, std::string* done,
                         std::string* error) {
  try {
    XenContext context;
    return destroy_leftover(context, domain_name_of(guest_name), state_dir, done, error);
  } catch (const XenError& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace monocell::xen
