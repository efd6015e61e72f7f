// Runs a command as a child process with its stdout and stderr captured, in the foreground or
// in the background, for end-to-end tests of the monocell CLI.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace monocell::testing {

struct CommandResult {
  int exit_code = -1;  // or 128 + signal
  std::string out;
  std::string err;
};

class Command {
 public:
  // Starts `argv` with the current environment plus `env` (KEY=VALUE entries).
  Command(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
  ~Command();
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int number);
  // Collects output until the command exits or `timeout_ms` passes (then it is killed and
  // the result's exit_code is -1).
  CommandResult wait(int timeout_ms = 60'000);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
};

inline CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                                 int timeout_ms = 60'000) {
  return Command(argv, env).wait(timeout_ms);
}

// A fresh directory under /tmp, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace monocell::testing
