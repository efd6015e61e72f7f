// The KVM ioctls whose argument ends in a flexible array (KVM_GET_SUPPORTED_CPUID,
// KVM_SET_CPUID2, KVM_SET_MSRS, KVM_GET_MSRS), with the argument laid out as C lays it out.
//
// Why not <linux/kvm.h>'s: before Linux 6.9's fix of __DECLARE_FLEX_ARRAY for C++, that header
// compiled as C++ puts an empty struct (one byte in C++, none in C) in front of the array. That
// moves the array (kvm_cpuid2::entries to offset 12, not 8) and changes sizeof, which is part of
// the ioctl number: the kernel then answers EINVAL or ENOTTY to an ioctl it does support.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace monocell::kvm {

// struct kvm_cpuid2 and struct kvm_msrs without their arrays: the array follows at offset 8.
struct KvmCpuid2Header {
  uint32_t nent;
  uint32_t padding;
};
struct KvmMsrsHeader {
  uint32_t nmsrs;
  uint32_t pad;
};
static_assert(sizeof(KvmCpuid2Header) == 8 && sizeof(KvmMsrsHeader) == 8);
static_assert(sizeof(kvm_cpuid_entry2) == 40 && sizeof(kvm_msr_entry) == 16);

inline constexpr unsigned long kKvmGetSupportedCpuid = _IOWR(KVMIO, 0x05, KvmCpuid2Header);
inline constexpr unsigned long kKvmSetCpuid2 = _IOW(KVMIO, 0x90, KvmCpuid2Header);
inline constexpr unsigned long kKvmGetMsrs = _IOWR(KVMIO, 0x88, KvmMsrsHeader);
inline constexpr unsigned long kKvmSetMsrs = _IOW(KVMIO, 0x89, KvmMsrsHeader);
static_assert(kKvmGetSupportedCpuid == 0xC008AE05 && kKvmSetCpuid2 == 0x4008AE90);
static_assert(kKvmGetMsrs == 0xC008AE88 && kKvmSetMsrs == 0x4008AE89);

// A header followed by `count` entries, in one zeroed buffer, as the kernel reads it.
template <typename Header, typename Entry>
class FlexArgument {
 public:
  explicit FlexArgument(size_t count) : bytes_(sizeof(Header) + count * sizeof(Entry)) {}
  void* data() { return bytes_.data(); }
  Header header() const {
    Header h;
    std::memcpy(&h, bytes_.data(), sizeof h);
    return h;
  }
  void set_header(const Header& h) { std::memcpy(bytes_.data(), &h, sizeof h); }
  Entry entry(size_t i) const {
    Entry e;
    std::memcpy(&e, bytes_.data() + sizeof(Header) + i * sizeof(Entry), sizeof e);
    return e;
  }
  void set_entry(size_t i, const Entry& e) {
    std::memcpy(bytes_.data() + sizeof(Header) + i * sizeof(Entry), &e, sizeof e);
  }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace monocell::kvm
