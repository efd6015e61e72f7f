// libxl for the backend: a context (with Xen's log lines in monocell's debug log) and the one
// PVH domain it creates, paused, and destroys. Also the lookups that find existing domains by
// name or uuid and the tag monocell leaves on its domains (libxl userdata "monocell").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hypervisors/xen/xen_libs.h"
#include "hypervisors/xen/xen_logger.h"

namespace monocell::xen {

class XenContext {
 public:
  // Throws XenError when libxl cannot start (no privcmd, no xenstored).
  XenContext();
  ~XenContext();
  XenContext(const XenContext&) = delete;
  XenContext& operator=(const XenContext&) = delete;

  libxl_ctx* get() const { return ctx_; }
  xentoollog_logger* logger() { return logger_.get(); }

 private:
  XenLogger logger_;
  libxl_ctx* ctx_ = nullptr;
};

struct DomainSpec {
  std::string name;  // "monocell-<guest name>"
  libxl_uuid uuid;  // chosen by the caller, so a reaper can know the domain before it exists
  std::string kernel;  // the PVH image
  std::string cmdline;
  uint64_t memory_mib = 64;
  // A file libxl loads as the domain's ramdisk, PVH module 0 (empty: none): the host's seed for
  // the guest's CSPRNG (xen_pvh_abi.h kSeedModuleSize).
  std::string ramdisk;
};

class XenDomain {
 public:
  // Creates the domain, paused, with one vCPU and memory_mib of RAM (max == target). Throws
  // XenError ("libxl_domain_create_new failed for monocell-echo: ...").
  XenDomain(XenContext& context, const DomainSpec& spec);
  // Destroys the domain if destroy() has not.
  ~XenDomain();
  XenDomain(const XenDomain&) = delete;
  XenDomain& operator=(const XenDomain&) = delete;

  uint32_t domid() const { return domid_; }
  const std::string& name() const { return name_; }
  void unpause();  // throws XenError
  void pause();  // throws XenError
  // Destroys the domain (unmap its grants first, or it lingers as a zombie). True once it is
  // gone; false with `error` if libxl refused.
  bool destroy(std::string* error);
  bool destroyed() const { return destroyed_; }

 private:
  XenContext& context_;
  std::string name_;
  uint32_t domid_ = 0;
  bool destroyed_ = false;
};

// The domain named `name`, if one exists.
std::optional<uint32_t> find_domain_by_name(XenContext& context, const std::string& name);
// The domain with `uuid`, if one exists.
std::optional<uint32_t> find_domain_by_uuid(XenContext& context, const libxl_uuid& uuid);
// libxl_domain_destroy; true if the domain is gone (or was already).
bool destroy_domain(XenContext& context, uint32_t domid, std::string* error);

// Tags a domain with the state directory of the guest it runs (libxl userdata "monocell"),
// so that what a dead monitor left can be told from someone else's domain. Best effort.
void tag_domain(XenContext& context, uint32_t domid, const std::string& state_dir);
std::optional<std::string> domain_tag(XenContext& context, uint32_t domid);

std::string uuid_text(const libxl_uuid& uuid);

}  // namespace monocell::xen
