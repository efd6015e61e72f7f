// `monocell completion bash`: prints a bash completion script generated from the CLI's own
// definition (its verbs, their flags, which flags take values and the values they accept, and
// which arguments are guests or images), so the script cannot drift from the CLI.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/restart_policy.h"

namespace monocell::cli {
namespace {

// The values an option accepts, when a validator lists them ("{kvm,xen,process}").
std::vector<std::string> listed_values(CLI::Option* option) {
  std::vector<std::string> values;
  for (int index = 0;; ++index) {
    CLI::Validator* validator = nullptr;
    try {
      validator = option->get_validator(index);
    } catch (const CLI::OptionNotFound&) {
      break;
    }
    const std::string description = validator->get_description();
    if (description.size() < 2 || description.front() != '{' || description.back() != '}') continue;
    size_t start = 1;
    while (start < description.size() - 1) {
      const size_t comma = std::min(description.find(',', start), description.size() - 1);
      values.push_back(description.substr(start, comma - start));
      start = comma + 1;
    }
  }
  if (option->check_lname("restart")) {
    // Free-form (on-failure:N), so no validator lists them.
    for (const char* word : kRestartPolicyWords) values.emplace_back(word);
  }
  return values;
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& w : words) text += (text.empty() ? "" : " ") + w;
  return text;
}

// What a positional argument is, for completion: a guest, an image, one of the words its
// validator lists ("=bash,zsh"), or anything (files).
std::string kind_of(CLI::Option* positional) {
  const std::string name = positional->get_name(true);
  if (name == "guest" || name == "guests") return "guest";
  if (name == "image" || name == "images" || name == "source") return "image";
  std::string words;
  for (const std::string& value : listed_values(positional)) words += (words.empty() ? "=" : ",") + value;
  return words.empty() ? "file" : words;
}

// One `case` entry per command path ("", "run", "image ls") for the spec and value functions.
void describe(CLI::App* cmd, const std::string& path, std::string* specs, std::string* values) {
  std::vector<std::string> subcommands;
  for (CLI::App* sub : cmd->get_subcommands([](CLI::App*) { return true; })) subcommands.push_back(sub->get_name());
  std::vector<std::string> flags;
  std::vector<std::string> valued;
  std::vector<std::string> kinds;
  std::string repeated;
  if (cmd->get_prefix_command()) kinds.push_back("image");  // APP, then the app's own arguments
  for (CLI::Option* option : cmd->get_options()) {
    if (!option->nonpositional()) {
      kinds.push_back(kind_of(option));
      if (option->get_expected_max() > 1) repeated = kinds.back();
      continue;
    }
    std::vector<std::string> names;
    for (const std::string& s : option->get_snames()) names.push_back("-" + s);
    for (const std::string& l : option->get_lnames()) names.push_back("--" + l);
    flags.insert(flags.end(), names.begin(), names.end());
    if (option->get_expected_max() == 0) continue;  // a flag: no value follows
    valued.insert(valued.end(), names.begin(), names.end());
    const std::vector<std::string> accepted = listed_values(option);
    for (const std::string& name : names) {
      *values += "    \"" + path + " " + name + "\") echo \"" + (accepted.empty() ? "<file>" : joined(accepted)) + "\" ;;\n";
    }
  }
  *specs += "    \"" + path + "\")\n      subs=\"" + joined(subcommands) + "\"\n      flags=\"" + joined(flags) +
            "\"\n      valued=\"" + joined(valued) + "\"\n      kinds=\"" + joined(kinds) + "\"\n      repeated=\"" +
            repeated + "\"\n      prefix=" + (cmd->get_prefix_command() ? "1" : "0") + " ;;\n";
  for (CLI::App* sub : cmd->get_subcommands([](CLI::App*) { return true; })) {
    describe(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), specs, values);
  }
}

constexpr char kScriptBody[] = R"script(
# The guests' names and short IDs, and the images' NAME:TAG, from the monocell being completed.
_monocell_guests() {
  "${COMP_WORDS[0]}" ps -a 2>/dev/null | awk 'NR > 1 { print $1; print $2 }'
}
_monocell_images() {
  "${COMP_WORDS[0]}" image ls 2>/dev/null | awk 'NR > 1 { print $1 ":" $2 }'
}

_monocell() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local path="" word npos=0 i subs flags valued kinds repeated prefix
  COMPREPLY=()
  _monocell_spec ""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    # After APP, every word belongs to the app.
    if ((prefix && npos > 0)); then return 0; fi
    if [[ $word == -* ]]; then
      [[ $word != *=* && " $valued " == *" $word "* ]] && ((i++))
      continue
    fi
    if ((npos == 0)) && [[ " $subs " == *" $word "* ]]; then
      path=${path:+$path }$word
      _monocell_spec "$path"
      continue
    fi
    ((npos++))
  done
  if ((prefix && npos > 0)); then return 0; fi
  if [[ $prev == -* && " $valued " == *" $prev "* ]]; then
    local accepted
    accepted=$(_monocell_values "$path $prev")
    [[ $accepted == "<file>" ]] && return 0
    mapfile -t COMPREPLY < <(compgen -W "$accepted" -- "$cur")
    return 0
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
    return 0
  fi
  if ((npos == 0)) && [[ -n $subs ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
    return 0
  fi
  local kind
  read -r -a kinds <<<"$kinds"
  if ((npos < ${#kinds[@]})); then kind=${kinds[npos]}; else kind=$repeated; fi
  case $kind in
    guest) mapfile -t COMPREPLY < <(compgen -W "$(_monocell_guests)" -- "$cur") ;;
    image) mapfile -t COMPREPLY < <(compgen -W "$(_monocell_images)" -- "$cur") ;;
    =*)
      kind=${kind#=}
      mapfile -t COMPREPLY < <(compgen -W "${kind//,/ }" -- "$cur")
      ;;
  esac
  return 0
}
complete -o default -F _monocell monocell
)script";

int print_bash_completion(CLI::App& root) {
  std::string specs;
  std::string values;
  describe(&root, "", &specs, &values);
  std::printf("# bash completion for monocell, generated by `monocell completion bash` from its own definition.\n"
              "# Load it with: source <(monocell completion bash)\n\n"
              "# Sets subs, flags, valued (flags that take a value), kinds (what each argument is), repeated\n"
              "# (what further arguments are) and prefix (1: the words after APP are the app's) for a command.\n"
              "_monocell_spec() {\n  case $1 in\n%s    *) subs=\"\" flags=\"\" valued=\"\" kinds=\"\" repeated=\"\" prefix=0 ;;\n"
              "  esac\n}\n\n# The values a flag of a command accepts (<file>: anything).\n_monocell_values() {\n  case $1 in\n"
              "%s    *) echo \"<file>\" ;;\n  esac\n}\n%s",
              specs.c_str(), values.c_str(), kScriptBody);
  return 0;
}

}  // namespace

void add_completion_command(CLI::App& app, int* exit_code) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("completion", "Print a shell completion script (source <(monocell completion bash))");
  cmd->add_option("shell", *shell, "The shell: bash")->required()->check(CLI::IsMember({"bash"}));
  CLI::App* root = &app;
  // The callback owns `shell`: the option writes into it when the command line is parsed.
  cmd->callback([root, exit_code, shell] { *exit_code = print_bash_completion(*root); });
}

}  // namespace monocell::cli
