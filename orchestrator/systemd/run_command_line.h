// The `monocell run` command line a unit that creates its guest anew starts (generate systemd
// --new, and every .guest file): the guest's options spelled as flags, then the app and its
// arguments. The guest is removed when it ends (--rm): the unit, not the guest store, is what
// persists, and systemd does the restarting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace monocell::systemd {

struct RunSpec {
  std::string name;
  std::string hypervisor;  // empty: the host's default
  uint64_t memory_mib = 0;  // 0: the image's default
  double grace_s = -1;  // < 0: the default
  double timeout_s = 0;  // 0: none
  std::string cwd;  // empty: the image's default
  std::vector<std::string> env;  // KEY=VALUE
  std::string app;  // an image name or an absolute path
  std::vector<std::string> args;
};

// {monocell, "run", "--rm", "--name", NAME, ..., APP, ARGS...}
std::vector<std::string> run_command_line(const std::string& monocell, const RunSpec& spec);

// A number as a flag's value: "10", "2.5" (no trailing zeros).
std::string flag_number(double value);

}  // namespace monocell::systemd
