// Creating, pausing and destroying PVH domains through libxl.
#include "hypervisors/xen/xen_domain.h"

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "hypervisors/xen/xen_error.h"

namespace monocell::xen {
namespace {

constexpr char kTagUserdataId[] = "monocell";

// A libxl_domain_config, disposed however its function ends.
struct DomainConfig {
  libxl_domain_config value;
  DomainConfig() { libxl_domain_config_init(&value); }
  ~DomainConfig() { libxl_domain_config_dispose(&value); }
  DomainConfig(const DomainConfig&) = delete;
  DomainConfig& operator=(const DomainConfig&) = delete;
};

char* copy_string(const std::string& s) {
  char* copy = strdup(s.c_str());
  if (copy == nullptr) throw XenError("out of memory building the domain configuration");
  return copy;
}

}  // namespace

XenContext::XenContext() {
  const int rc = libxl_ctx_alloc(&ctx_, LIBXL_VERSION, 0, logger_.get());
  if (rc != 0) {
    ctx_ = nullptr;
    throw_libxl("libxl_ctx_alloc", rc,
                " (libxl needs /dev/xen/privcmd and a running xenstored: is this Xen's dom0, run as root?)");
  }
  // libxl reaps only the children it made; the backend waits for its own (the reaper's parent).
  static const libxl_childproc_hooks hooks = {libxl_sigchld_owner_libxl_always_selective_reap, nullptr, nullptr};
  libxl_childproc_setmode(ctx_, &hooks, nullptr);
}

XenContext::~XenContext() { libxl_ctx_free(ctx_); }

XenDomain::XenDomain(XenContext& context, const DomainSpec& spec) : context_(context), name_(spec.name) {
  DomainConfig config;
  libxl_domain_create_info& c = config.value.c_info;
  c.type = LIBXL_DOMAIN_TYPE_PVH;
  c.name = copy_string(spec.name);
  c.uuid = spec.uuid;
  libxl_domain_build_info& b = config.value.b_info;
  libxl_domain_build_info_init_type(&b, LIBXL_DOMAIN_TYPE_PVH);
  // Left at 0, libxl sizes the HAP pool for no vCPU and creation fails with EBUSY.
  b.max_vcpus = 1;
  if (libxl_cpu_bitmap_alloc(context.get(), &b.avail_vcpus, 1) != 0) throw XenError("libxl_cpu_bitmap_alloc failed");
  libxl_bitmap_set(&b.avail_vcpus, 0);
  // max == target: otherwise libxl asks for populate-on-demand, which PVH does not have.
  b.max_memkb = spec.memory_mib * 1024;
  b.target_memkb = spec.memory_mib * 1024;
  b.kernel = copy_string(spec.kernel);
  b.cmdline = copy_string(spec.cmdline);
  if (!spec.ramdisk.empty()) b.ramdisk = copy_string(spec.ramdisk);
  // libxl acts on none of these itself; the backend destroys the domain when it ends.
  config.value.on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
  config.value.on_reboot = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
  config.value.on_watchdog = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
  config.value.on_crash = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;

  uint32_t domid = INVALID_DOMID;
  const int rc = libxl_domain_create_new(context.get(), &config.value, &domid, nullptr, nullptr);
  if (rc != 0) {
    // A half-made domain (libxl says so with a valid domid) goes too.
    if (domid != static_cast<uint32_t>(INVALID_DOMID)) {
      std::string ignored;
      destroy_domain(context, domid, &ignored);
    }
    throw_libxl("libxl_domain_create_new for " + spec.name + " (kernel " + spec.kernel + ")", rc,
                "; --log-level debug shows libxl's own account");
  }
  domid_ = domid;
}

XenDomain::~XenDomain() {
  if (destroyed_) return;
  std::string error;
  if (!destroy(&error)) spdlog::warn("{}", error);
}

void XenDomain::unpause() {
  const int rc = libxl_domain_unpause(context_.get(), domid_, nullptr);
  if (rc != 0) throw_libxl("libxl_domain_unpause of " + name_ + " (domid " + std::to_string(domid_) + ")", rc);
}

void XenDomain::pause() {
  const int rc = libxl_domain_pause(context_.get(), domid_, nullptr);
  if (rc != 0) throw_libxl("libxl_domain_pause of " + name_ + " (domid " + std::to_string(domid_) + ")", rc);
}

bool XenDomain::destroy(std::string* error) {
  if (destroyed_) return true;
  destroyed_ = destroy_domain(context_, domid_, error);
  if (!destroyed_) *error = "domain " + name_ + ": " + *error;
  return destroyed_;
}

std::optional<uint32_t> find_domain_by_name(XenContext& context, const std::string& name) {
  uint32_t domid = 0;
  if (libxl_name_to_domid(context.get(), name.c_str(), &domid) != 0) return std::nullopt;
  return domid;
}

std::optional<uint32_t> find_domain_by_uuid(XenContext& context, const libxl_uuid& uuid) {
  int count = 0;
  libxl_dominfo* list = libxl_list_domain(context.get(), &count);
  if (list == nullptr) return std::nullopt;
  std::optional<uint32_t> found;
  for (int i = 0; i < count && !found; ++i) {
    if (libxl_uuid_compare(&list[i].uuid, &uuid) == 0) found = list[i].domid;
  }
  libxl_dominfo_list_free(list, count);
  return found;
}

bool destroy_domain(XenContext& context, uint32_t domid, std::string* error) {
  const int rc = libxl_domain_destroy(context.get(), domid, nullptr);
  if (rc == 0 || rc == ERROR_DOMAIN_NOTFOUND) return true;
  // Gone meanwhile: as good as destroyed.
  if (libxl_domain_info(context.get(), nullptr, domid) == ERROR_DOMAIN_NOTFOUND) return true;
  *error = "libxl_domain_destroy of domid " + std::to_string(domid) + " failed: " + libxl_error_text(rc);
  return false;
}

void tag_domain(XenContext& context, uint32_t domid, const std::string& state_dir) {
  const int rc = libxl_userdata_store(context.get(), domid, kTagUserdataId,
                                      reinterpret_cast<const uint8_t*>(state_dir.data()),
                                      static_cast<int>(state_dir.size()));
  if (rc != 0) spdlog::debug("libxl_userdata_store (monocell tag) of domid {}: {}", domid, libxl_error_text(rc));
}

std::optional<std::string> domain_tag(XenContext& context, uint32_t domid) {
  uint8_t* data = nullptr;
  int length = 0;
  if (libxl_userdata_retrieve(context.get(), domid, kTagUserdataId, &data, &length) != 0 || data == nullptr) {
    return std::nullopt;
  }
  std::string tag(reinterpret_cast<const char*>(data), static_cast<size_t>(length));
  std::free(data);
  return tag;
}

std::string uuid_text(const libxl_uuid& uuid) {
  char text[LIBXL_UUID_FMTLEN + 1];
  std::snprintf(text, sizeof text, LIBXL_UUID_FMT, LIBXL_UUID_BYTES(uuid));
  return text;
}

}  // namespace monocell::xen
