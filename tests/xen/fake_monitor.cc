// A stand-in for the dom0 monitor's half of the rendezvous (guest-libos/include/monocell/xen_abi.h),
// for the guest smoke test: it waits for a guest's published keys, maps the granted ring region,
// formats it, binds and notifies the event channel, then waits for the guest's doorbell and
// reports the first frame the runtime wrote on the control ring (its Hello). It checks the
// guest's side of the contract, not the protocol after Hello.
//
// usage: fake-monitor [--notify-only] DOMID [TIMEOUT_S]
//   exit 0 when a Hello frame arrived with a doorbell; with --notify-only, once the port has
//   been notified (for guests without the runtime).
extern "C" {
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
}

#include <poll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "guest-libos/include/monocell/xen_abi.h"
#include "protocol/ring/region.h"

namespace {

double now_s() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

int fail(const std::string& why) {
  std::printf("fake-monitor: FAIL: %s\n", why.c_str());
  return 1;
}

std::string read_key(xs_handle* xs, const std::string& dir, const char* key) {
  unsigned int length = 0;
  void* value = xs_read(xs, XBT_NULL, (dir + "/" + key).c_str(), &length);
  if (value == nullptr) return {};
  std::string s(static_cast<const char*>(value), length);
  std::free(value);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace monocell;
  const bool notify_only = argc > 1 && std::strcmp(argv[1], "--notify-only") == 0;
  if (notify_only) {
    --argc;
    ++argv;
  }
  if (argc < 2) return fail("usage: fake-monitor [--notify-only] DOMID [TIMEOUT_S]");
  const uint32_t domid = static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10));
  const double timeout = argc > 2 ? std::strtod(argv[2], nullptr) : 60;
  const double start = now_s();
  xs_handle* xs = xs_open(0);
  if (xs == nullptr) return fail("xs_open");
  const std::string dir = "/local/domain/" + std::to_string(domid) + "/" + xen::kStoreDir;
  while (read_key(xs, dir, xen::kKeyState) != xen::kStatePublished) {
    if (now_s() - start > timeout) return fail("no state=published in " + dir);
    usleep(20000);
  }
  const double published = now_s();
  const uint32_t abi = std::strtoul(read_key(xs, dir, xen::kKeyAbi).c_str(), nullptr, 10);
  const uint32_t ref = std::strtoul(read_key(xs, dir, xen::kKeyRingRef).c_str(), nullptr, 10);
  const uint32_t pages = std::strtoul(read_key(xs, dir, xen::kKeyRingPages).c_str(), nullptr, 10);
  const uint32_t port = std::strtoul(read_key(xs, dir, xen::kKeyEventChannel).c_str(), nullptr, 10);
  std::printf("fake-monitor: keys abi=%u ring-ref=%u ring-pages=%u event-channel=%u after %.3f s\n", abi, ref, pages,
              port, published - start);
  if (abi != xen::kXenAbiVersion || ref != xen::kFirstRingRef || pages == 0 || pages > xen::kMaxRingPages) {
    return fail("keys outside the contract");
  }

  xengnttab_handle* gt = xengnttab_open(nullptr, 0);
  if (gt == nullptr) return fail("xengnttab_open");
  std::vector<uint32_t> refs(pages);
  for (uint32_t i = 0; i < pages; ++i) refs[i] = ref + i;
  void* region = xengnttab_map_domain_grant_refs(gt, pages, domid, refs.data(), PROT_READ | PROT_WRITE);
  if (region == nullptr) return fail("mapping the granted ring pages: " + std::string(std::strerror(errno)));
  const uint64_t size = uint64_t{pages} * 4096;
  bool zero = true;
  for (uint64_t i = 0; i < size && zero; ++i) zero = static_cast<const uint8_t*>(region)[i] == 0;
  std::printf("fake-monitor: mapped %u pages, %s\n", pages, zero ? "all zero" : "NOT zero");
  const auto layout = ring::format_region(region, size, ring::RegionConfig{});
  if (!layout.ok()) return fail("format_region refused the region's size");
  // Ask for the doorbell: the guest rings it when it publishes into a ring whose consumer sleeps.
  const ring::RingLayout* to_host = layout->find(ring::RingId::kControlToHost);
  auto* indices = reinterpret_cast<ring::RingIndices*>(static_cast<uint8_t*>(region) + to_host->indices_offset);
  __atomic_store_n(&indices->consumer.waiting, 1u, __ATOMIC_SEQ_CST);

  xenevtchn_handle* xce = xenevtchn_open(nullptr, 0);
  if (xce == nullptr) return fail("xenevtchn_open");
  const xenevtchn_port_or_error_t local = xenevtchn_bind_interdomain(xce, domid, port);
  if (local < 0) return fail("binding the guest's port: " + std::string(std::strerror(errno)));
  const double notified = now_s();
  xenevtchn_notify(xce, static_cast<evtchn_port_t>(local));
  timespec real{};  // for comparison with the guest's CLOCK_REALTIME
  clock_gettime(CLOCK_REALTIME, &real);
  std::printf("fake-monitor: formatted the region and notified port %u at realtime_ns=%lld\n", port,
              static_cast<long long>(real.tv_sec) * 1000000000LL + real.tv_nsec);
  if (notify_only) usleep(500000);  // the guest reacts while the pages are still mapped

  bool doorbell = false;
  uint32_t produced = 0;
  while (!notify_only && now_s() - start < timeout) {
    pollfd pfd{xenevtchn_fd(xce), POLLIN, 0};
    if (poll(&pfd, 1, 100) == 1) {
      const xenevtchn_port_or_error_t p = xenevtchn_pending(xce);
      if (p >= 0) {
        xenevtchn_unmask(xce, static_cast<evtchn_port_t>(p));
        if (p == local && !doorbell) {
          doorbell = true;
          std::printf("fake-monitor: doorbell %.3f s after the notification\n", now_s() - notified);
        }
      }
    }
    produced = __atomic_load_n(&indices->producer.index, __ATOMIC_ACQUIRE);
    if (produced != 0 && doorbell) break;
  }
  int status = 0;
  if (notify_only) {
    // nothing more to see from here
  } else if (produced == 0) {
    status = fail("the guest wrote nothing on control.to_host");
  } else {
    ring::FrameHeader frame{};
    std::memcpy(&frame, static_cast<uint8_t*>(region) + to_host->data_offset, sizeof frame);
    std::printf("fake-monitor: control.to_host holds %u bytes; first frame type %u, %u bytes%s\n", produced, frame.type,
                frame.length, doorbell ? "" : " (no doorbell)");
    if (frame.type != static_cast<uint32_t>(ring::FrameType::kEnvelope) || !doorbell) status = 1;
  }
  xenevtchn_unbind(xce, static_cast<evtchn_port_t>(local));
  xenevtchn_close(xce);
  xengnttab_unmap(gt, region, pages);  // before the domain goes, or it lingers
  xengnttab_close(gt);
  xs_close(xs);
  if (status == 0) std::printf("fake-monitor: PASS\n");
  return status;
}
