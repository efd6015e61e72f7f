// The runtime's platform inside a monocell KVM guest.
#include "guest-libos/runtime/kvm_platform.h"

#include <malloc.h>
#include <monocell/boot_abi.h>
#include <monocell/libos.h>
#include <monocell/stdio_ring.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace monocell::runtime {

std::unique_ptr<KvmPlatform> KvmPlatform::from_boot_info(std::string* why) {
  // The boot-info page is the VMM's (mapped read-only for the guest): trusted like the host.
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
  return std::unique_ptr<KvmPlatform>(
      new KvmPlatform(region, info.ring_region_size, info.image_end, info.heap_start));
}

void KvmPlatform::Doorbell::notify() { monocell_ring_doorbell(); }

bool KvmPlatform::wait_for_host(int timeout_ms) {
  const uint64_t timeout_ns = timeout_ms < 0 ? UINT64_MAX : static_cast<uint64_t>(timeout_ms) * 1'000'000;
  return monocell_wait_for_host(timeout_ns) == 1;
}

void KvmPlatform::capture_stdio(ring::RingProducer&) {
  // What the app buffered before now still goes out by the console, in order.
  std::fflush(nullptr);
  const int error = monocell_stdio_attach_ring(region_, region_size_);
  if (error != 0) {
    std::fprintf(stderr, "monocell runtime: cannot route fd 1 and 2 into the stdio ring: %s\n", std::strerror(-error));
  }
}

void KvmPlatform::flush_stdio() {
  // The libOS publishes every write at once; only the C and C++ buffers can hold output.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
}

uint64_t KvmPlatform::memory_bytes() const {
  const auto brk = reinterpret_cast<uint64_t>(sbrk(0));
  const uint64_t heap = brk > heap_start_ ? brk - heap_start_ : 0;
  return image_end_ + heap + mallinfo2().hblkhd;
}

}  // namespace monocell::runtime
