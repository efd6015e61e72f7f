// A guest's systemd unit (unit_file.h).
#include "orchestrator/systemd/unit_file.h"

#include <cmath>
#include <string_view>

namespace monocell::systemd {
namespace {

// systemd expands %x specifiers in most settings: a literal % is %%.
std::string escape_specifiers(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '%') out += '%';
    if (c == '\n') {
      out += ' ';  // a newline would end the setting
      continue;
    }
    out += c;
  }
  return out;
}

std::string exec_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& word : argv) {
    if (!line.empty()) line += ' ';
    line += quote_exec_word(word);
  }
  return line;
}

void add_section(std::string& out, const char* name, const std::vector<std::string>& lines) {
  out += "\n[";
  out += name;
  out += "]\n";
  for (const std::string& line : lines) out += line + "\n";
}

}  // namespace

std::string quote_exec_word(const std::string& word) {
  bool plain = !word.empty();
  for (const char c : word) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'' || c == '\\' || c == ';') plain = false;
  }
  std::string out;
  if (!plain) out += '"';
  for (const char c : word) {
    switch (c) {
      case '%': out += "%%"; break;
      case '$': out += "$$"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  if (!plain) out += '"';
  return out;
}

std::vector<std::string> restart_lines(const RestartPolicy& policy, std::vector<std::string>* start_limit) {
  using Mode = RestartPolicy::Mode;
  std::vector<std::string> lines;
  switch (policy.mode) {
    case Mode::kNo:
      lines.push_back("Restart=no");
      return lines;
    case Mode::kAlways:
    case Mode::kUnlessStopped:  // systemctl stop is never undone by Restart=always
      lines.push_back("Restart=always");
      break;
    case Mode::kOnFailure:
      if (policy.failure_codes.none()) {
        lines.push_back("Restart=on-failure");
      } else {
        // Only the chosen exit codes count, besides the ends systemd calls abnormal (a signal,
        // a timeout, the watchdog).
        lines.push_back("Restart=on-abnormal");
        std::string codes;
        for (size_t code = 0; code < policy.failure_codes.size(); ++code) {
          if (policy.failure_codes.test(code)) codes += (codes.empty() ? "" : " ") + std::to_string(code);
        }
        lines.push_back("RestartForceExitStatus=" + codes);
      }
      if (policy.max_restarts) {
        // N restarts are N + 1 starts; the count, as docker's, does not wear off with time
        // (`systemctl reset-failed` resets it).
        start_limit->push_back("StartLimitIntervalSec=infinity");
        start_limit->push_back("StartLimitBurst=" + std::to_string(*policy.max_restarts + 1));
      }
      break;
  }
  lines.push_back("RestartSec=1");
  return lines;
}

std::string render_unit(const GuestUnit& unit) {
  std::vector<std::string> unit_lines{"Description=" + escape_specifiers(unit.description)};
  std::vector<std::string> start_limit;
  const std::vector<std::string> restart = restart_lines(unit.restart, &start_limit);
  unit_lines.insert(unit_lines.end(), start_limit.begin(), start_limit.end());
  unit_lines.insert(unit_lines.end(), unit.unit_lines.begin(), unit.unit_lines.end());

  std::vector<std::string> service{"Type=notify", "NotifyAccess=main"};
  if (!unit.exec_start_pre.empty()) service.push_back("ExecStartPre=-" + exec_line(unit.exec_start_pre));
  service.push_back("ExecStart=" + exec_line(unit.exec_start));
  // SIGTERM to the monitor, which stops the guest gracefully and kills it after the grace
  // period; systemd's own kill comes only after that, and then to everything left.
  service.push_back("KillMode=mixed");
  service.push_back("KillSignal=SIGTERM");
  service.push_back("TimeoutStopSec=" + std::to_string(static_cast<long>(std::ceil(unit.grace_s)) + 10));
  if (unit.watchdog_s > 0) {
    service.push_back("WatchdogSec=" + std::to_string(unit.watchdog_s));
    // The guest hangs, not the monitor: its core dump (SIGABRT's) would hold nothing of use.
    service.push_back("WatchdogSignal=SIGKILL");
  }
  service.insert(service.end(), restart.begin(), restart.end());
  service.insert(service.end(), unit.service_lines.begin(), unit.service_lines.end());

  std::string out = "# " + escape_specifiers(unit.origin) + "\n";
  add_section(out, "Unit", unit_lines);
  add_section(out, "Service", service);
  if (unit.install) {
    std::vector<std::string> install{"WantedBy=default.target"};
    install.insert(install.end(), unit.install_lines.begin(), unit.install_lines.end());
    add_section(out, "Install", install);
  }
  return out;
}

}  // namespace monocell::systemd
