// End-to-end tests of `monocell completion bash`: bash accepts the script, and completing
// verbs, flags, their values and guest names works as a user would see it at the prompt.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "tests/support/command.h"

using monocell::testing::CommandResult;
using monocell::testing::TempDir;

namespace {

struct Completion {
  TempDir dir;
  std::string script = dir.path() + "/monocell.bash";
  std::vector<std::string> env() const { return {"MONOCELL_STATE_DIR=" + dir.path() + "/run"}; }

  Completion() {
    const CommandResult r = monocell::testing::run_command({MONOCELL_BIN, "completion", "bash"}, env(), 30'000);
    REQUIRE(r.exit_code == 0);
    std::ofstream(script) << r.out;
  }

  // What the completion function offers for `words`, the last being the word under the cursor.
  std::vector<std::string> complete(std::vector<std::string> words) const {
    words.insert(words.begin(), MONOCELL_BIN);
    std::string array;
    for (const std::string& w : words) array += " '" + w + "'";
    const std::string program = "source '" + script + "' && COMP_WORDS=(" + array + ") && COMP_CWORD=" +
                                std::to_string(words.size() - 1) +
                                " && _monocell && printf '%s\\n' \"${COMPREPLY[@]}\"";
    const CommandResult r = monocell::testing::run_command({"/bin/bash", "-c", program}, env(), 30'000);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> offered;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) offered.push_back(line);
    }
    return offered;
  }
};

using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("completion bash: bash accepts the script") {
  Completion c;
  CHECK(monocell::testing::run_command({"/bin/bash", "-n", c.script}, {}, 30'000).exit_code == 0);
  CHECK(monocell::testing::run_command({MONOCELL_BIN, "completion", "zsh"}, {}, 30'000).exit_code == 125);
}

TEST_CASE("completion bash: verbs, flags and the values flags accept") {
  Completion c;
  CHECK(c.complete({"st"}) == Words{"start", "stats", "stop"});
  CHECK(c.complete({"--log-level", "warn", "in"}) == Words{"inspect"});
  CHECK(c.complete({"run", "--hyp"}) == Words{"--hypervisor"});
  CHECK(c.complete({"run", "--hypervisor", ""}) == Words{"kvm", "xen", "process"});
  CHECK(c.complete({"create", "--restart", ""}) == Words{"no", "on-failure", "always", "unless-stopped"});
  CHECK(c.complete({"run", "--restart-"}) == Words{"--restart-exit-codes"});
  CHECK(c.complete({"ps", "--format", "j"}) == Words{"json"});
  CHECK(c.complete({"image", "l"}) == Words{"ls", "load"});
  CHECK(c.complete({"completion", ""}) == Words{"bash"});
  // After APP the words are the app's: monocell offers nothing of its own.
  CHECK(c.complete({"run", "hello", "--"}).empty());
}

TEST_CASE("completion bash: guest names and IDs for the verbs that take a guest") {
  Completion c;
  const CommandResult created =
      monocell::testing::run_command({MONOCELL_BIN, "create", "--hypervisor", "process", "--name", "web", "hello"}, c.env(), 30'000);
  REQUIRE(created.exit_code == 0);
  const std::string short_id = created.out.substr(0, 12);
  CHECK(c.complete({"start", "w"}) == Words{"web"});
  CHECK(c.complete({"rm", "-f", short_id.substr(0, 4)}) == Words{short_id});
  CHECK(c.complete({"stop", "web", "w"}) == Words{"web"});  // each of several guests
  CHECK(c.complete({"logs", "--tail", "5", "w"}) == Words{"web"});
  CHECK(c.complete({"call", "web", "w"}).empty());  // a method, not a guest
}
