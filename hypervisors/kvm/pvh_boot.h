// PVH boot, as Xen and QEMU do it: hvm_start_info with a memory map, the command line and an
// (empty) module list, and the vCPU at the image's 32-bit PVH entry with %ebx pointing at it.
// The image's own boot stub then builds the machine state (guest-libos/src/pvh_boot.cc).
#pragma once

#include <string>
#include <vector>

namespace monocell::kvm {

class ElfImage;
class Vcpu;
class Vm;

// Loads `image` into `vm`'s RAM and prepares `vcpu` for its PVH entry. argv[0] names the image.
// Throws KvmError (no PVH note, or an argument the command line cannot carry).
void pvh_boot(Vm& vm, Vcpu& vcpu, const ElfImage& image, const std::vector<std::string>& argv);

}  // namespace monocell::kvm
