// The static `monocell` has no Xen backend (libxenlight cannot be linked statically here). When
// a command needs Xen -- `run` on Xen, or `ps` with a Xen guest to reconcile -- it becomes its
// dynamically linked sibling `monocell-xen` from the same directory, by execv with the same
// argv: the same process (pid), so signals, the terminal and systemd's MAINPID stay right.
#pragma once

#include <functional>
#include <string>

namespace monocell::cli {

inline constexpr char kXenSiblingName[] = "monocell-xen";

// Keeps main()'s argv for the exec.
void remember_argv(char** argv);

struct SiblingPlan {
  enum class Action {
    kRunHere,  // this build does what the command needs
    kExec,  // exec `path`
    kFail,  // the sibling is missing: `error` says so
  } action = Action::kRunHere;
  std::string path;
  std::string error;
};

// What to do for a command that needs Xen (`needs_xen`) in a build that has it or not
// (`has_xen`), running as `self_exe`; `executable(path)` says whether the sibling is there.
SiblingPlan plan_for_xen(bool needs_xen, bool has_xen, const std::string& self_exe,
                         const std::function<bool(const std::string&)>& executable);

// A guest record whose monitor is gone needs Xen to be reconciled, unless `ps` did that
// already (its status then says "ended").
bool needs_xen_to_reconcile(const std::string& hypervisor, bool monitor_live, const std::string& status);

// Carries out plan_for_xen for this process: returns true to run here, does not return when it
// execs, and returns false with `error` when the sibling is missing or will not run.
bool run_here_or_exec_sibling(bool needs_xen, std::string* error);

}  // namespace monocell::cli
