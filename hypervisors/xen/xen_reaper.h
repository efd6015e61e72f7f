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

  // The domain is gone: the reaper leaves without looking for it.
  void disarm();

 private:
  explicit Reaper(int pipe_write) : pipe_write_(pipe_write) {}
  int pipe_write_;
};

}  // namespace monocell::xen
