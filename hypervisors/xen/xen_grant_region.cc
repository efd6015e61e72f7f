// Mapping a guest's granted pages.
#include "hypervisors/xen/xen_grant_region.h"

#include <sys/mman.h>

#include <vector>

#include "hypervisors/xen/xen_error.h"

namespace monocell::xen {

XenGrantHandle::XenGrantHandle(xentoollog_logger* logger) {
  handle_ = xengnttab_open(logger, 0);
  if (handle_ == nullptr) throw_errno("xengnttab_open (/dev/xen/gntdev)", "; is the xen-gntdev module loaded?");
}

XenGrantHandle::~XenGrantHandle() { xengnttab_close(handle_); }

XenGrantRegion::XenGrantRegion(XenGrantHandle& handle, uint32_t domid, uint32_t first_ref, uint32_t pages)
    : handle_(handle), pages_(pages) {
  std::vector<uint32_t> refs(pages);
  for (uint32_t i = 0; i < pages; ++i) refs[i] = first_ref + i;
  // Older gntdev drivers limit the grants one handle maps; newer ones ignore this.
  xengnttab_set_max_grants(handle.get(), pages);
  base_ = xengnttab_map_domain_grant_refs(handle.get(), pages, domid, refs.data(), PROT_READ | PROT_WRITE);
  if (base_ == nullptr) {
    throw_errno("xengnttab_map_domain_grant_refs of grant references " + std::to_string(first_ref) + ".." +
                std::to_string(first_ref + pages - 1) + " of domid " + std::to_string(domid));
  }
}

void XenGrantRegion::unmap() noexcept {
  if (base_ == nullptr) return;
  xengnttab_unmap(handle_.get(), base_, pages_);
  base_ = nullptr;
}

}  // namespace monocell::xen
