// detect_platform() in a guest image: the runtime runs inside a monocell VM (KVM or Xen).
#include "guest-libos/runtime/vm_platform.h"

namespace monocell::runtime {

std::unique_ptr<Platform> detect_platform(std::string* why) { return VmPlatform::from_boot_info(why); }

}  // namespace monocell::runtime
