// The units monocell writes for systemd, as a user gets them: `monocell generate systemd` and
// the .guest generator, each unit checked by this host's `systemd-analyze verify`. No guest
// boots here (the systemd rig, ci/rig-systemd, starts these units under a real systemd).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/command.h"

using monocell::testing::CommandResult;
using monocell::testing::TempDir;
using monocell::testing::run_command;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text + "\n").find("\n" + line + "\n") != std::string::npos;
}

// What systemd itself says of a unit file: nothing when it accepts every line of it.
std::string systemd_verdict(const fs::path& unit) {
  REQUIRE(fs::exists("/usr/bin/systemd-analyze"));  // ci/install-deps.sh installs systemd
  const CommandResult r = run_command({"/usr/bin/systemd-analyze", "verify", unit.string()}, {"SYSTEMD_LOG_COLOR=0"});
  return r.out + r.err + (r.exit_code == 0 ? "" : "exit " + std::to_string(r.exit_code));
}

struct Cli {
  TempDir dir;
  std::vector<std::string> env() const { return {"MONOCELL_STATE_DIR=" + dir.path() + "/state"}; }
  CommandResult operator()(std::vector<std::string> args, const std::string& cwd = "") const {
    args.insert(args.begin(), MONOCELL_BIN);
    if (cwd.empty()) return run_command(args, env());
    // --files writes into the current directory.
    std::vector<std::string> sh = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd};
    sh.insert(sh.end(), args.begin(), args.end());
    return run_command(sh, env());
  }
};

}  // namespace

TEST_CASE("generate systemd prints a notify unit that starts the created guest, and systemd accepts it") {
  Cli cli;
  REQUIRE(cli({"create", "--name", "web", "--hypervisor", "process", "--restart", "on-failure:3", "--grace-period", "4",
               "hello"})
              .exit_code == 0);
  const CommandResult r = cli({"generate", "systemd", "--watchdog", "6", "web"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has_line(r.out, "Type=notify"));
  CHECK(has_line(r.out, "NotifyAccess=main"));
  CHECK(has_line(r.out, "ExecStart=" + fs::canonical(MONOCELL_BIN).string() + " start --attach web"));
  CHECK(has_line(r.out, "KillSignal=SIGTERM"));
  CHECK(has_line(r.out, "TimeoutStopSec=14"));  // above the 4 s grace period
  CHECK(has_line(r.out, "WatchdogSec=6"));
  CHECK(has_line(r.out, "Restart=on-failure"));
  CHECK(has_line(r.out, "StartLimitBurst=4"));  // 3 restarts: 4 starts

  const std::string units = cli.dir.path() + "/units";
  fs::create_directories(units);
  const CommandResult files = cli({"generate", "systemd", "--files", "web"}, units);
  REQUIRE(files.exit_code == 0);
  CHECK(files.out == units + "/monocell-web.service\n");
  CHECK(systemd_verdict(units + "/monocell-web.service") == "");
}

TEST_CASE("generate systemd --new: a unit that creates the guest itself, with every option quoted for systemd") {
  Cli cli;
  REQUIRE(cli({"create", "--name", "quoted", "--hypervisor", "process", "--memory", "96", "-e", "MSG=50% off $HOME \"x\"",
               "--restart", "on-failure", "--restart-exit-codes", "2-3", "hello", "7", "two words"})
              .exit_code == 0);
  const std::string units = cli.dir.path() + "/units";
  fs::create_directories(units);
  const CommandResult r = cli({"generate", "systemd", "--new", "--files", "quoted"}, units);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const std::string unit = read_file(units + "/monocell-quoted.service");
  INFO(unit);
  const std::string monocell = fs::canonical(MONOCELL_BIN).string();
  CHECK(has_line(unit, "ExecStartPre=-" + monocell + " rm --force --ignore quoted"));
  // % and $ doubled (systemd would expand them), quotes escaped inside quotes.
  CHECK(has_line(unit, "ExecStart=" + monocell +
                           " run --rm --name quoted --hypervisor process --memory 96 --grace-period 10 --workdir / "
                           "--env \"MSG=50%% off $$HOME \\\"x\\\"\" hello 7 \"two words\""));
  // Only exit codes 2 and 3 count as failures, besides signals, timeouts and the watchdog.
  CHECK(has_line(unit, "Restart=on-abnormal"));
  CHECK(has_line(unit, "RestartForceExitStatus=2 3"));
  CHECK(systemd_verdict(units + "/monocell-quoted.service") == "");
}

TEST_CASE("generate systemd names what is wrong") {
  Cli cli;
  const CommandResult missing = cli({"generate", "systemd", "nosuch"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("no guest named \"nosuch\"") != std::string::npos);
  CHECK(cli({"generate", "systemd"}).exit_code == 125);
  CHECK(cli({"generate", "nonsense", "x"}).exit_code == 125);
}

TEST_CASE("rm --ignore: a guest that is not there is not an error, a real one is still removed") {
  Cli cli;
  CHECK(cli({"rm", "ghost"}).exit_code == 1);
  const CommandResult ignored = cli({"rm", "--force", "--ignore", "ghost"});
  CHECK(ignored.exit_code == 0);
  CHECK(ignored.err == "");
  REQUIRE(cli({"create", "--name", "real", "--hypervisor", "process", "hello"}).exit_code == 0);
  CHECK(cli({"rm", "--ignore", "real"}).exit_code == 0);
  CHECK(cli({"inspect", "real"}).exit_code == 1);
}

TEST_CASE("the generator turns each .guest file into a unit, links what [Install] asks, and reports a bad file") {
  TempDir dir;
  const fs::path guests = dir.path() + "/guests";
  const fs::path out = dir.path() + "/out";
  fs::create_directories(guests);
  fs::create_directories(out);
  std::ofstream(guests / "web.guest") << "# a web guest\n"
                                         "[Guest]\n"
                                         "Image=hello\n"
                                         "Args=5 \"a b\" \\\n"
                                         "  c\n"
                                         "Environment=GREETING=hi there\n"
                                         "Memory=1G\n"
                                         "Hypervisor=kvm\n"
                                         "Restart=always\n"
                                         "Watchdog=3\n"
                                         "StopTimeout=2\n"
                                         "[Unit]\n"
                                         "After=network.target\n"
                                         "[Service]\n"
                                         "ExecStartPost=/bin/sh -c \"echo a ; echo b\"\n"
                                         "[Install]\n"
                                         "WantedBy=multi-user.target\n";
  std::ofstream(guests / "typo.guest") << "[Guest]\nImage=hello\nMemroy=64\n";
  std::ofstream(guests / "notes.txt") << "not a guest\n";
  const CommandResult r =
      run_command({GENERATOR_BIN, out.string(), out.string(), out.string()}, {"MONOCELL_GUEST_UNITS=" + guests.string()});
  // The bad file is reported by name and line, and the good one still becomes a unit.
  CHECK(r.exit_code == 1);
  CHECK(r.err.find((guests / "typo.guest").string() + ":3: unknown key Memroy=") != std::string::npos);
  CHECK(!fs::exists(out / "typo.service"));
  REQUIRE(fs::exists(out / "web.service"));
  CHECK(fs::read_symlink(out / "multi-user.target.wants/web.service") == "../web.service");
  const std::string unit = read_file(out / "web.service");
  INFO(unit);
  const std::string monocell = fs::canonical(MONOCELL_BIN).string();
  CHECK(has_line(unit, "ExecStart=" + monocell +
                           " run --rm --name web --hypervisor kvm --memory 1024 --grace-period 2 "
                           "--env \"GREETING=hi there\" hello 5 \"a b\" c"));
  CHECK(has_line(unit, "Type=notify"));
  CHECK(has_line(unit, "WatchdogSec=3"));
  CHECK(has_line(unit, "Restart=always"));
  CHECK(has_line(unit, "After=network.target"));
  CHECK(has_line(unit, "ExecStartPost=/bin/sh -c \"echo a ; echo b\""));  // copied whole, ';' and all
  CHECK(systemd_verdict(out / "web.service") == "");
}

TEST_CASE("the generator's errors say what is accepted") {
  TempDir dir;
  const fs::path guests = dir.path() + "/guests";
  fs::create_directories(guests);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[Guest]\nArgs=1\n", "no Image= in [Guest]"},
      {"[Guest]\nImage=hello\nMemory=8\n", "expected MiB from 16 to 65536"},
      {"[Guest]\nImage=hello\nHypervisor=qemu\n", "Hypervisor= is kvm, xen or process"},
      {"[Guest]\nImage=hello\nRestart=sometimes\n", "sometimes"},
      {"[Guest]\nImage=./rel/app\n", "is a relative path"},
      {"[Guest]\nImage=hello\nArgs=\"open\n", "an unclosed quote in Args="},
      {"[Gust]\nImage=hello\n", "unknown section [Gust]"},
      {"Image=hello\n", "comes before any section"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    fs::remove_all(guests);
    fs::create_directories(guests);
    std::ofstream(guests / "g.guest") << text;
    const CommandResult r = run_command({GENERATOR_BIN, dir.path()}, {"MONOCELL_GUEST_UNITS=" + guests.string()});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK(!fs::exists(dir.path() + "/g.service"));
  }
  // No guests declared: nothing to do, and no error.
  fs::remove_all(guests);
  CHECK(run_command({GENERATOR_BIN, dir.path()}, {"MONOCELL_GUEST_UNITS=" + guests.string()}).exit_code == 0);
}
