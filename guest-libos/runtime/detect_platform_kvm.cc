// detect_platform() in a guest image: the runtime runs inside a monocell KVM guest.
#include "guest-libos/runtime/kvm_platform.h"

namespace monocell::runtime {

std::unique_ptr<Platform> detect_platform(std::string* why) { return KvmPlatform::from_boot_info(why); }

}  // namespace monocell::runtime
