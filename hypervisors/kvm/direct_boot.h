// Direct boot: the host writes everything a ring-0 boot would build (tables, boot info, the
// process stack) and sets the vCPU's registers so it starts at the image's entry in ring 3.
#pragma once

#include <string>
#include <vector>

#include "boot_info.h"
#include "guest_layout.h"

namespace monocell::kvm {

class ElfImage;
class FileTreeFile;
class Vcpu;
class Vm;

struct DirectBootSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string exe_path;
  const FileTreeFile* file_tree = nullptr;  // the image's files at / in the guest; null: none
};

// Loads `image` into `vm`'s RAM and prepares `vcpu` to run it. Throws KvmError.
GuestLayout direct_boot(Vm& vm, Vcpu& vcpu, const ElfImage& image, const DirectBootSpec& spec);

}  // namespace monocell::kvm
