// A declarative guest: NAME.guest, which the systemd generator turns into NAME.service.
//
//   [Guest]
//   Image=web                 an image name or an absolute path (required)
//   Args=--port 8080 "a b"    the app's arguments, quoted as in ExecStart=
//   Environment=KEY=VALUE     repeatable
//   Memory=128                MiB (or 128M, 1G)
//   Hypervisor=kvm            kvm, xen or process (default: the host's)
//   WorkingDirectory=/srv
//   Restart=on-failure:3      as --restart; RestartExitCodes= as --restart-exit-codes
//   Watchdog=10               seconds: WatchdogSec=, fed while the guest answers Pings
//   StopTimeout=10            seconds between SIGTERM's graceful stop and a kill
//   Timeout=0                 seconds before the guest is killed (0: never)
//   [Unit] / [Service] / [Install]   copied into the unit ([Install]'s WantedBy= and
//                                     RequiredBy= become the generator's links)
//
// The syntax is systemd's: '#' or ';' starts a comment only at the start of a line, a trailing
// backslash continues a line, and nothing is stripped from inside a value (a unit line such as
// `ExecStartPost=/bin/sh -c "a ; b"` is copied whole).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/restart_policy.h"
#include "orchestrator/systemd/run_command_line.h"

namespace monocell::systemd {

struct GuestFile {
  RunSpec run;  // run.name is the file's name without .guest
  RestartPolicy restart;
  unsigned watchdog_s = 0;
  std::vector<std::string> unit_lines, service_lines, install_lines;
  std::vector<std::string> wanted_by, required_by;  // from [Install]
};

// Parses `text`, the contents of the file `path` (whose name gives the guest's). Nullopt with
// `error` as "PATH:LINE: what is wrong, and what is accepted".
std::optional<GuestFile> parse_guest_file(const std::string& path, const std::string& text, std::string* error);

// Splits a value into words as systemd's ExecStart= does: whitespace separates, "..." and
// '...' quote, a backslash escapes (\n, \t, \\, \", \'). Nullopt for an unclosed quote.
std::optional<std::vector<std::string>> split_words(const std::string& text);

}  // namespace monocell::systemd
