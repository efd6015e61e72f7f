// The systemd service unit that runs one guest: what `monocell generate systemd` prints and
// what the .guest generator writes. Type=notify: the monitor says READY=1 when the app inside
// the guest is ready, and feeds the watchdog only while the guest answers its Pings.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/restart_policy.h"

namespace monocell::systemd {

struct GuestUnit {
  std::string guest;  // the guest's name; the unit is monocell-<guest>.service or <guest>.service
  std::string description;
  std::string origin;  // what wrote the unit, for its header comment
  // The monitor, as a command: argv[0] is an absolute path.
  std::vector<std::string> exec_start;
  // Run before it, failure ignored (the `rm -f` of a guest a unit creates anew); empty: none.
  std::vector<std::string> exec_start_pre;
  RestartPolicy restart;  // becomes Restart= (systemd restarts the guest, not its monitor)
  double grace_s = 10;  // the monitor's grace period; TimeoutStopSec= allows for it
  unsigned watchdog_s = 0;  // WatchdogSec=; 0: none
  bool install = true;  // an [Install] section (WantedBy=default.target)
  // Lines a .guest file adds to each section, after monocell's own (so they take precedence).
  std::vector<std::string> unit_lines, service_lines, install_lines;
};

// The unit file's text.
std::string render_unit(const GuestUnit& unit);

// One word of a command line as ExecStart= reads it back: quoted and escaped where needed, with
// systemd's specifiers (%) and variables ($) made literal.
std::string quote_exec_word(const std::string& word);

// Restart= and the keys that go with it, one "Key=value" per entry, for the [Service] section
// (`start_limit` receives the [Unit] lines that bound on-failure:N).
std::vector<std::string> restart_lines(const RestartPolicy& policy, std::vector<std::string>* start_limit);

}  // namespace monocell::systemd
