// `monocell kill [-s SIGNAL] NAME|ID...`: SIGKILL (the default) ends the guest at once, with
// 137; SIGTERM, SIGINT and SIGHUP stop it as a signal to its monitor does (grace period, then
// a kill); any other signal is delivered to the app.
#include <signal.h>
#include <string.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {
namespace {

// "KILL", "SIGKILL", "kill" or "9".
int parse_signal(const std::string& text) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    char* end = nullptr;
    const long number = std::strtol(text.c_str(), &end, 10);
    return *end == '\0' && number > 0 && number < NSIG ? static_cast<int>(number) : 0;
  }
  std::string name;
  for (const char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  for (int number = 1; number < NSIG; ++number) {
    const char* abbrev = sigabbrev_np(number);
    if (abbrev != nullptr && name == abbrev) return number;
  }
  return 0;
}

int kill_guest(const std::string& reference, int number) {
  const auto guest = find_guest(reference);
  if (!guest) return kVerbFailed;
  if (!guest_is_live(guest->name)) {
    spdlog::error("guest {} is not running ({})", guest->name, observe_guest(*guest).status_text());
    return kVerbFailed;
  }
  std::string error;
  if (!send_signal(*guest, number, &error)) {
    spdlog::error("kill {}: {}", guest->name, error);
    return kVerbFailed;
  }
  std::printf("%s\n", reference.c_str());
  return 0;
}

}  // namespace

void add_kill_command(CLI::App& app, int* exit_code) {
  auto references = std::make_shared<std::vector<std::string>>();
  auto signal_name = std::make_shared<std::string>("KILL");
  CLI::App* cmd = app.add_subcommand("kill", "Send a signal to running guests (default SIGKILL: end them at once)");
  cmd->add_option("-s,--signal", *signal_name, "Signal name (KILL, SIGTERM, usr1...) or number")->capture_default_str();
  cmd->add_option("guests", *references, "NAME, ID or unique ID prefix of each guest")->required();
  cmd->footer("Exit status: 0 when the signal was sent; 1 if a guest is not running or not found.");
  cmd->callback([references, signal_name, exit_code] {
    const int number = parse_signal(*signal_name);
    if (number == 0) throw CLI::ValidationError("--signal", "no signal named \"" + *signal_name + "\"");
    for (const std::string& reference : *references) {
      if (kill_guest(reference, number) != 0) *exit_code = kVerbFailed;
    }
  });
}

}  // namespace monocell::cli
