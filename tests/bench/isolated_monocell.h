// The monocell CLI as a benchmark runs it: against a state directory of the bench's own
// (MONOCELL_STATE_DIR and MONOCELL_DATA_DIR), so it never sees or touches the user's guests,
// and with a tag in the environment of every process it starts (monitors inherit it across
// fork), so the bench can find all of them in /proc and, at the end, remove every one.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace monocell::bench {

// One finished command.
struct CommandResult {
  bool ok = false;       // exited with 0
  int status = 0;        // as waitpid gave it
  double ms = 0;         // wall time, spawn to exit
  std::string out;       // stdout, when captured
  std::string err;       // stderr (what fits in a pipe)
  std::string describe() const;  // "exited with 3: <stderr>"
};

// SIGINT, SIGTERM and SIGHUP set a flag instead of ending the bench, which then cleans up.
void install_interrupt_flag();
bool interrupted();

class IsolatedMonocell {
 public:
  // `monocell`: the CLI's path. Makes a fresh state directory under /tmp.
  explicit IsolatedMonocell(std::string monocell);
  ~IsolatedMonocell();  // remove_everything()
  IsolatedMonocell(const IsolatedMonocell&) = delete;
  IsolatedMonocell& operator=(const IsolatedMonocell&) = delete;

  const std::string& state_dir() const { return state_dir_; }
  // "NAME=VALUE", present in the environment of every process started through this object.
  const std::string& tag() const { return tag_; }

  // `monocell args...`; stdout is kept only with `capture_stdout`.
  CommandResult run(const std::vector<std::string>& args, bool capture_stdout = false) const;

  // Many commands, up to `jobs` at once, started in order; once one fails (or the bench is
  // interrupted) no further one starts. `done` hears of each as it ends (index, result).
  // Returns how many succeeded.
  size_t run_all(const std::vector<std::vector<std::string>>& commands, int jobs,
                 const std::function<void(size_t, const CommandResult&)>& done) const;

  // The names of every guest in this store (ps -a --format json); empty on failure.
  std::vector<std::string> guest_names() const;

  // Every guest removed (rm -f), whatever is left that carries the tag killed, the state
  // directory deleted. Safe to call more than once.
  void remove_everything();

 private:
  std::string monocell_;
  std::string state_dir_;
  std::string tag_;
  bool removed_ = false;
};

}  // namespace monocell::bench
