// The runtime's platform inside a monocell VM.
#include "guest-libos/runtime/vm_platform.h"

#include <malloc.h>
#include <monocell/boot_abi.h>
#include <monocell/libos.h>
#include <monocell/stdio_ring.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

#include "protocol/ring/region.h"

namespace monocell::runtime {
namespace {

// Waking a sleeping vCPU costs ~120 us on this machine's KVM (MSI, the VMM's wait, an emulated
// ring-0 interrupt handler): poll about twice that first.
constexpr uint64_t kKvmSpinNs = 250'000;
// An event-channel round trip costs tens of us on Xen (0.7-1 ms under the rig's TCG, where
// spinning that long would only take the emulated CPU from dom0).
constexpr uint64_t kXenSpinNs = 50'000;
// How long a Xen guest waits for its monitor to map and format the region it published.
constexpr uint64_t kRegionWaitNs = 60'000'000'000;

uint64_t monotonic_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(t.tv_nsec);
}

// Xen: the monitor maps the granted pages, formats the region, binds the port, then notifies
// it; until then the region is the zeroes the boot left, and a doorbell would find no one bound.
bool await_formatted_region(const void* region, uint64_t size, std::string* why) {
  const uint64_t deadline = monotonic_ns() + kRegionWaitNs;
  bool notified = false;
  for (;;) {
    if (notified && ring::validate_region(region, size).ok()) return true;
    const uint64_t now = monotonic_ns();
    if (now >= deadline) {
      *why = "no host formatted the ring region and notified within " + std::to_string(kRegionWaitNs / 1'000'000'000) +
             " s of its publication in xenstore";
      return false;
    }
    if (monocell_wait_for_host(deadline - now) == 1) notified = true;
  }
}

}  // namespace

std::unique_ptr<VmPlatform> VmPlatform::from_boot_info(std::string* why) {
  // The boot-info page is the VMM's or the boot's (mapped read-only for the guest): trusted.
  const auto& info = *reinterpret_cast<const boot::BootInfo*>(boot::kBootInfoGpa);
  if (info.magic != boot::kBootInfoMagic) {
    *why = "no monocell boot-info page at its address";
    return nullptr;
  }
  if (info.version != boot::kBootAbiVersion) {
    *why = "boot ABI " + std::to_string(info.version) + " is not supported (this runtime speaks " +
           std::to_string(boot::kBootAbiVersion) + ")";
    return nullptr;
  }
  if (info.ring_region_gpa == 0 || info.ring_region_size == 0 ||
      info.ring_region_gpa % boot::kPageSize != 0 || info.ring_region_gpa > info.ram_size ||
      info.ring_region_size > info.ram_size - info.ring_region_gpa) {
    *why = "the boot-info page names no usable ring region";
    return nullptr;
  }
  // Guest physical == guest virtual; the page tables map the region user read-write.
  void* region = reinterpret_cast<void*>(static_cast<uintptr_t>(info.ring_region_gpa));
  const bool xen = info.platform == static_cast<uint32_t>(boot::Platform::kXenPvh);
  if (xen && !await_formatted_region(region, info.ring_region_size, why)) return nullptr;
  return std::unique_ptr<VmPlatform>(new VmPlatform(xen ? "xen" : "kvm", xen ? kXenSpinNs : kKvmSpinNs, region,
                                                    info.ring_region_size, info.image_end, info.heap_start));
}

void VmPlatform::Doorbell::notify() { monocell_ring_doorbell(); }

bool VmPlatform::wait_for_host(int timeout_ms) {
  const uint64_t timeout_ns = timeout_ms < 0 ? UINT64_MAX : static_cast<uint64_t>(timeout_ms) * 1'000'000;
  return monocell_wait_for_host(timeout_ns) == 1;
}

void VmPlatform::capture_stdio(ring::RingProducer&) {
  // What the app buffered before now still goes out by the console, in order.
  std::fflush(nullptr);
  const int error = monocell_stdio_attach_ring(region_, region_size_);
  if (error != 0) {
    std::fprintf(stderr, "monocell runtime: cannot route fd 1 and 2 into the stdio ring: %s\n", std::strerror(-error));
  }
}

void VmPlatform::flush_stdio() {
  // The libOS publishes every write at once; only the C and C++ buffers can hold output.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
}

uint64_t VmPlatform::memory_bytes() const {
  const auto brk = reinterpret_cast<uint64_t>(sbrk(0));
  const uint64_t heap = brk > heap_start_ ? brk - heap_start_ : 0;
  return image_end_ + heap + mallinfo2().hblkhd;
}

}  // namespace monocell::runtime
