// The `monocell run` command line of a unit (run_command_line.h).
#include "orchestrator/systemd/run_command_line.h"

#include <cstdio>

namespace monocell::systemd {

std::string flag_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  std::string out = text;
  out.erase(out.find_last_not_of('0') + 1);
  if (out.back() == '.') out.pop_back();
  return out;
}

std::vector<std::string> run_command_line(const std::string& monocell, const RunSpec& spec) {
  std::vector<std::string> argv{monocell, "run", "--rm", "--name", spec.name};
  if (!spec.hypervisor.empty()) argv.insert(argv.end(), {"--hypervisor", spec.hypervisor});
  if (spec.memory_mib > 0) argv.insert(argv.end(), {"--memory", std::to_string(spec.memory_mib)});
  if (spec.grace_s >= 0) argv.insert(argv.end(), {"--grace-period", flag_number(spec.grace_s)});
  if (spec.timeout_s > 0) argv.insert(argv.end(), {"--timeout", flag_number(spec.timeout_s)});
  if (!spec.cwd.empty()) argv.insert(argv.end(), {"--workdir", spec.cwd});
  for (const std::string& e : spec.env) argv.insert(argv.end(), {"--env", e});
  argv.push_back(spec.app);
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  return argv;
}

}  // namespace monocell::systemd
