// The guest's ring region as the monitor sees it: the pages the guest granted to dom0, mapped
// read-write into the monitor with libxengnttab (consecutive grant references). Unmapped by its
// destructor -- before the domain is destroyed, or the domain lingers as a zombie.
#pragma once

#include <cstdint>

#include "hypervisors/xen/xen_libs.h"

namespace monocell::xen {

class XenGrantHandle {
 public:
  // Opens /dev/xen/gntdev. Throws XenError.
  explicit XenGrantHandle(xentoollog_logger* logger);
  ~XenGrantHandle();
  XenGrantHandle(const XenGrantHandle&) = delete;
  XenGrantHandle& operator=(const XenGrantHandle&) = delete;

  xengnttab_handle* get() const { return handle_; }

 private:
  xengnttab_handle* handle_ = nullptr;
};

class XenGrantRegion {
 public:
  // Maps references first_ref .. first_ref + pages - 1 of `domid`. Throws XenError (the
  // guest's references were not granted to dom0, or not writable).
  XenGrantRegion(XenGrantHandle& handle, uint32_t domid, uint32_t first_ref, uint32_t pages);
  ~XenGrantRegion() { unmap(); }
  XenGrantRegion(const XenGrantRegion&) = delete;
  XenGrantRegion& operator=(const XenGrantRegion&) = delete;

  void* base() const { return base_; }
  uint64_t size() const { return uint64_t{pages_} * 4096; }
  void unmap() noexcept;

 private:
  XenGrantHandle& handle_;
  void* base_ = nullptr;
  uint32_t pages_;
};

}  // namespace monocell::xen
