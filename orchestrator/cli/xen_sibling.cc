// Handing a command to monocell-xen.
#include "orchestrator/cli/xen_sibling.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "orchestrator/backend_factory.h"

namespace monocell::cli {
namespace {

char** saved_argv = nullptr;

}  // namespace

void remember_argv(char** argv) { saved_argv = argv; }

SiblingPlan plan_for_xen(bool needs_xen, bool has_xen, const std::string& self_exe,
                         const std::function<bool(const std::string&)>& executable) {
  SiblingPlan plan;
  if (!needs_xen || has_xen) return plan;
  const std::string dir = std::filesystem::path(self_exe).parent_path().string();
  plan.path = (dir.empty() ? std::string(".") : dir) + "/" + kXenSiblingName;
  if (executable(plan.path)) {
    plan.action = SiblingPlan::Action::kExec;
    return plan;
  }
  plan.action = SiblingPlan::Action::kFail;
  plan.error = "this command needs Xen, which this monocell (statically linked) leaves to " + std::string(kXenSiblingName) +
               ", and there is no executable " + plan.path + " (build it where libxen-dev is installed: ci/install-deps.sh)";
  return plan;
}

bool needs_xen_to_reconcile(const std::string& hypervisor, bool monitor_live, const std::string& status) {
  return hypervisor == "xen" && !monitor_live && status != "ended";
}

bool run_here_or_exec_sibling(bool needs_xen, std::string* error) {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  const SiblingPlan plan = plan_for_xen(needs_xen, hypervisor_available("xen"), self,
                                        [](const std::string& path) { return ::access(path.c_str(), X_OK) == 0; });
  switch (plan.action) {
    case SiblingPlan::Action::kRunHere:
      return true;
    case SiblingPlan::Action::kFail:
      *error = plan.error;
      return false;
    case SiblingPlan::Action::kExec:
      break;
  }
  if (saved_argv == nullptr) {
    *error = "cannot hand the command to " + plan.path + ": the command line was not kept";
    return false;
  }
  spdlog::debug("this command needs Xen: exec {}", plan.path);
  spdlog::default_logger()->flush();
  ::execv(plan.path.c_str(), saved_argv);
  *error = "exec " + plan.path + " failed: " + std::strerror(errno);
  return false;
}

}  // namespace monocell::cli
