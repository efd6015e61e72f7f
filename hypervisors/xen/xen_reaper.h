// No domain outlives its monitor. Before the domain is created, the monitor starts a reaper: its
// own executable again (fork + exec of /proc/self/exe, recognised before main() runs), in a
// session of its own with the stop signals ignored, at idle priority until the monitor ends, holding the read end of a pipe whose write
// end only the monitor holds. However the monitor ends -- normal exit, error, SIGKILL -- the
// pipe reaches EOF: the monitor's address space, and the grant mappings in it, are gone before
// its files are closed. If the monitor disarmed it first (the domain is already destroyed) the
// reaper leaves at once; otherwise it destroys the domain with the uuid it was given, if that
// domain still exists under the name it was given, and says so on stderr.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

namespace monocell::xen {

class Reaper {
 public:
  // Starts the reaper for the domain `domain_name` with `uuid` (text form), which need not
  // exist yet. Throws XenError.
  static std::unique_ptr<Reaper> spawn(const std::string& uuid, const std::string& domain_name);
  // Closes the pipe: an armed reaper then destroys the domain.
  ~Reaper();
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Waits until the reaper's exec has happened; throws XenError if it failed. Called before
  // the domain runs: from fork on, the reaper holds the pipe, so it reaps even if the monitor
  // dies before this.
  void confirm_started();

  // The domain is gone: the reaper leaves without looking for it.
  void disarm();

 private:
  Reaper(int pipe_write, int exec_check) : pipe_write_(pipe_write), exec_check_(exec_check) {}
  int pipe_write_;
  int exec_check_;  // read end of the exec-error pipe, until confirm_started()
};

}  // namespace monocell::xen
