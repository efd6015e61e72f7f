// Choosing the hypervisor the host offers.
#include "orchestrator/hypervisor_choice.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hypervisors/xen/xen_host_probe.h"

namespace monocell {
namespace {

bool kvm_usable(std::string* why) {
  const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *why = std::string("/dev/kvm: ") + std::strerror(errno);
    return false;
  }
  const int version = ::ioctl(fd, KVM_GET_API_VERSION, 0);
  ::close(fd);
  if (version != KVM_API_VERSION) {
    *why = "/dev/kvm answers API version " + std::to_string(version) + ", not " + std::to_string(KVM_API_VERSION);
    return false;
  }
  return true;
}

}  // namespace

HostProbes host_probes() {
  return HostProbes{kvm_usable, xen::read_capabilities, xen::privcmd_present, xen::xenstored_reachable};
}

HypervisorChoice choose_hypervisor(const HostProbes& probes) {
  std::string kvm_why;
  if (probes.kvm_usable(&kvm_why)) return {"kvm", ""};
  std::string xen_why;
  const auto capabilities = probes.xen_capabilities(&xen_why);
  if (capabilities && xen::capabilities_say_dom0(*capabilities)) return {"xen", ""};
  // A dom0 without xenfs mounted still has the toolstack's device and xenstored.
  const bool privcmd = probes.xen_privcmd();
  if (privcmd && probes.xenstored_reachable()) return {"xen", ""};
  if (capabilities) {
    xen_why = std::string(xen::kCapabilitiesPath) + " does not say control_d (a Xen guest, not its dom0)";
  } else if (privcmd) {
    xen_why += "; /dev/xen/privcmd exists but xenstored is not running";
  }
  return {"", "no hypervisor found on this host: KVM is not usable (" + kvm_why + ") and this is not a Xen dom0 (" +
                  xen_why + "); use --hypervisor process to run the app as a host process"};
}

}  // namespace monocell
