// The Xen backend: the guest image boots as a PVH domain that libxl creates paused in dom0.
// The guest is the frontend: it grants its ring pages to dom0, allocates an event channel and
// publishes both in xenstore (xen_abi.h); the monitor maps the grants, formats the region,
// binds the channel and notifies it. libxl's events (shutdown, death) are followed on a
// thread of the backend's own, which signals end_fd() like the KVM backend's runner; the
// rings themselves need no thread (host_wakeup_fd() is the event channel's fd).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "hypervisors/backend.h"
#include "protocol/ring/eventfd_notifier.h"
#include "protocol/ring/memfd_region.h"

namespace monocell::xen {
class DomainEvents;
class Reaper;
class XenConsole;
class XenContext;
class XenDomain;
class XenEventChannel;
class XenGrantHandle;
class XenGrantRegion;
class XenStore;
struct DomainEnd;
}  // namespace monocell::xen

namespace monocell {

class XenBackend final : public Backend {
 public:
  // How long a guest has, from its unpause, to publish its rendezvous before it is ended
  // (GuestEnd kCannotStart, 126). MONOCELL_XEN_START_TIMEOUT_S (seconds) overrides it.
  static constexpr double kDefaultStartTimeoutS = 20;
  static constexpr char kStartTimeoutVariable[] = "MONOCELL_XEN_START_TIMEOUT_S";
  // How long xenconsoled has to publish the guest's console before the guest runs without one.
  static constexpr int kConsoleTimeoutMs = 10'000;

  // Creates the domain, starts the reaper, opens the console, unpauses the guest and returns
  // once the region is mapped, formatted and the guest notified -- or once the guest ended, was
  // refused, or a stop signal (SIGINT, SIGTERM, SIGHUP, left pending for the monitor) came
  // first (then end() says how). Null with `error` when no domain could be made
  // (not a dom0, xenstored missing, libxl refused): monocell failed, not the app.
  static std::unique_ptr<XenBackend> start(const GuestConfig& config, std::string* error);
  ~XenBackend() override;

  void* region() const override { return region_base_; }
  const ring::RegionLayout& layout() const override { return layout_; }
  ring::Notifier& guest_doorbell() override;
  int host_wakeup_fd() const override;
  void consume_host_wakeup() override;
  int end_fd() const override { return ended_.fd(); }
  GuestEnd end() override;
  void kill() override;

  // The domain's id and name until end() destroyed it (tests, messages).
  std::optional<uint32_t> domid() const;
  const std::string& domain_name() const { return domain_name_; }

 private:
  class NoDoorbell final : public ring::Notifier {
   public:
    void notify() override {}
  };

  XenBackend() = default;
  void boot(const GuestConfig& config);
  // A formatted region of the host's own, for a guest that never shared one: the monitor
  // attaches to it and sees only the end.
  void use_placeholder_region(const ring::RegionConfig& rings);
  // Ends the guest with `end` unless it ended already: it is paused, end() destroys it.
  void stop_with(GuestEnd end);
  void on_domain_end(const xen::DomainEnd& domain_end);
  GuestEnd end_from(const xen::DomainEnd& domain_end);
  GuestEnd exit_end();
  GuestEnd crash_end();
  std::string console_lines() const;
  void tear_down();

  std::string name_;
  std::string domain_name_;
  uint64_t syscall_entry_ = 0;  // the libOS's syscall entry (image note), to name faults there
  uint64_t syscall_entry_end_ = 0;

  // Declared in the order they are made; destroyed in reverse: the grants are unmapped and the
  // channel unbound before the domain is destroyed, the event thread stopped before the
  // console goes, and the reaper let go last.
  ring::EventFdNotifier ended_;
  std::unique_ptr<xen::Reaper> reaper_;
  std::unique_ptr<xen::XenContext> context_;
  std::unique_ptr<xen::XenStore> store_;
  std::unique_ptr<xen::XenDomain> domain_;
  std::unique_ptr<xen::XenConsole> console_;
  std::unique_ptr<xen::DomainEvents> events_;
  std::unique_ptr<xen::XenGrantHandle> grants_;
  std::unique_ptr<xen::XenEventChannel> channel_;
  std::unique_ptr<xen::XenGrantRegion> region_map_;
  std::unique_ptr<ring::MemfdRegion> placeholder_;
  void* region_base_ = nullptr;
  ring::RegionLayout layout_;
  NoDoorbell no_doorbell_;

  std::mutex mutex_;
  std::optional<GuestEnd> decided_;  // stopped by the host (kill, refusal) before it ended
  std::unique_ptr<xen::DomainEnd> domain_end_;  // what libxl reported, if first
  bool finished_ = false;
  GuestEnd final_end_;
};

}  // namespace monocell
