// PVH boot, as Xen and QEMU do it: hvm_start_info with a memory map, the command line and
// module 0 (the CSPRNG seed, then the image's file tree), and the vCPU at the image's 32-bit PVH entry with %ebx pointing at it.
// The image's own boot stub then builds the machine state (guest-libos/src/pvh_boot.cc).
#pragma once

#include <string>
#include <vector>

namespace monocell::kvm {

class ElfImage;
class FileTreeFile;
class Vcpu;
class Vm;

// Loads `image` into `vm`'s RAM and prepares `vcpu` for its PVH entry. argv[0] names the image;
// `file_tree` (or null) travels in module 0 after the seed, as Xen's toolstack loads it.
// Throws KvmError (no PVH note, or an argument the command line cannot carry).
void pvh_boot(Vm& vm, Vcpu& vcpu, const ElfImage& image, const std::vector<std::string>& argv,
              const FileTreeFile* file_tree = nullptr);

}  // namespace monocell::kvm
