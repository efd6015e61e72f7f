// detect_platform() in a host build: the runtime runs as a process the process backend started.
#include "guest-libos/runtime/process_platform.h"

namespace monocell::runtime {

std::unique_ptr<Platform> detect_platform(std::string* why) { return ProcessPlatform::from_environment(why); }

}  // namespace monocell::runtime
