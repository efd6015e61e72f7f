// `monocell image build`: an image from a guest ELF (and optionally the same app built for the
// process backend), files for its file tree, and run defaults, given as flags or in a small
// JSON build file; flags add to and override the file.
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "hypervisors/kvm/elf_image.h"
#include "hypervisors/kvm/kvm_error.h"
#include "images/format/file_tree_path.h"
#include "images/format/image_error.h"
#include "images/store/image_build.h"
#include "images/store/store_lock.h"
#include "orchestrator/cli/image_cli_support.h"
#include "orchestrator/cli/image_command.h"

namespace monocell::cli {
namespace {

using image::throw_invalid;

struct BuildOptions {
  std::string build_file;
  std::string reference;
  std::string guest_elf;
  std::string process_elf;
  std::vector<std::string> files;  // SRC=DEST
  std::string files_from;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string workdir;
  uint64_t memory_mib = 0;
};

// The boot ABI a guest ELF was linked for, from its Monocell note; refuses what is no guest image.
uint32_t guest_abi_version(const std::string& path) {
  image::FileSource::open(path);  // a missing file is named as such
  try {
    const kvm::ElfImage elf = kvm::ElfImage::from_file(path);
    if (!elf.monocell_note()) {
      throw_invalid(path + " is not a monocell guest image (it has no Monocell note: link it with the libOS, as "
                           "monocell_image() does); an app built for the process backend goes in --process-elf");
    }
    return elf.monocell_note()->abi_version;
  } catch (const kvm::KvmError& e) {
    throw_invalid(std::string("the guest ELF cannot be booted: ") + e.what() +
                  " (an app built for the process backend goes in --process-elf)");
  }
}

// The build file: {"tag", "elf", "process_elf", "args", "env", "workdir", "memory_mib", "files",
// "files_from"}; paths in it are relative to its own directory. Flags given override it.
void read_build_file(BuildOptions& options) {
  namespace fs = std::filesystem;
  std::ifstream in(options.build_file);
  if (!in) image::throw_errno("open the build file", options.build_file);
  const nlohmann::json spec = nlohmann::json::parse(in, nullptr, false);
  const std::string where = "build file " + options.build_file;
  if (!spec.is_object()) throw_invalid(where + ": not a JSON object");
  const fs::path base = fs::path(options.build_file).parent_path();
  const auto path_in = [&base](const std::string& p) { return p.empty() || p[0] == '/' ? p : (base / p).string(); };
  const auto text = [&](const char* key) {
    if (!spec[key].is_string()) throw_invalid(where + ": \"" + key + "\" must be a string");
    return spec[key].get<std::string>();
  };
  const auto texts = [&](const char* key) {
    std::vector<std::string> list;
    if (!spec[key].is_array()) throw_invalid(where + ": \"" + key + "\" must be a list of strings");
    for (const auto& item : spec[key]) {
      if (!item.is_string()) throw_invalid(where + ": \"" + key + "\" must be a list of strings");
      list.push_back(item.get<std::string>());
    }
    return list;
  };
  for (const auto& [key, value] : spec.items()) {
    if (key == "tag") {
      if (options.reference.empty()) options.reference = text("tag");
    } else if (key == "elf") {
      if (options.guest_elf.empty()) options.guest_elf = path_in(text("elf"));
    } else if (key == "process_elf") {
      if (options.process_elf.empty()) options.process_elf = path_in(text("process_elf"));
    } else if (key == "args") {
      if (options.args.empty()) options.args = texts("args");
    } else if (key == "env") {
      auto env = texts("env");
      env.insert(env.end(), options.env.begin(), options.env.end());  // flags last: they win
      options.env = env;
    } else if (key == "workdir") {
      if (options.workdir.empty()) options.workdir = text("workdir");
    } else if (key == "memory_mib") {
      if (!value.is_number_unsigned()) throw_invalid(where + ": \"memory_mib\" must be a whole number");
      if (options.memory_mib == 0) options.memory_mib = value.get<uint64_t>();
    } else if (key == "files") {
      if (!value.is_object()) throw_invalid(where + ": \"files\" must map guest paths to host files");
      for (const auto& [guest, host] : value.items()) {
        if (!host.is_string()) throw_invalid(where + ": \"files\": \"" + guest + "\" must name a host file");
        options.files.push_back(path_in(host.get<std::string>()) + "=" + guest);
      }
    } else if (key == "files_from") {
      if (options.files_from.empty()) options.files_from = path_in(text("files_from"));
    } else {
      throw_invalid(where + ": unknown key \"" + key +
                    "\" (known: tag, elf, process_elf, args, env, workdir, memory_mib, files, files_from)");
    }
  }
}

// SOURCE_DATE_EPOCH, when set, makes builds of the same inputs give the same image.
int64_t creation_time() {
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
    char* end = nullptr;
    const long long value = std::strtoll(epoch, &end, 10);
    if (*end != '\0' || value < 0) throw_invalid(std::string("SOURCE_DATE_EPOCH \"") + epoch + "\" is not a time");
    return value;
  }
  return static_cast<int64_t>(std::time(nullptr));
}

int build(BuildOptions options) {
  if (!options.build_file.empty()) read_build_file(options);
  if (options.reference.empty()) throw_invalid("image build: no -t NAME[:TAG] (nor \"tag\" in a build file)");
  if (options.guest_elf.empty() && options.process_elf.empty()) {
    throw_invalid("image build: no ELF to put in the image (give a guest ELF, --process-elf, or both)");
  }
  image::BuildInputs inputs;
  std::string why;
  const auto reference = image::parse_reference(options.reference, &why);
  if (!reference) throw_invalid("invalid -t \"" + options.reference + "\": " + why);
  inputs.reference = *reference;
  inputs.guest_elf = options.guest_elf;
  if (!inputs.guest_elf.empty()) inputs.guest_abi_version = guest_abi_version(inputs.guest_elf);
  inputs.process_elf = options.process_elf;
  for (const std::string& a : options.args) inputs.defaults.add_argv(a);
  for (const std::string& e : options.env) inputs.defaults.add_env(e);
  inputs.defaults.set_cwd(options.workdir);
  inputs.defaults.set_memory_mib(options.memory_mib);
  inputs.created_unix_seconds = creation_time();

  image::FileTreeWriter files;
  if (!options.files_from.empty()) files.add_host_directory("", options.files_from);
  for (const std::string& file : options.files) {
    const size_t equals = file.find('=');
    if (equals == std::string::npos || equals == 0) throw_invalid("invalid --file \"" + file + "\": expected SRC=DEST");
    const auto destination = image::tree_path_for_guest_path(file.substr(equals + 1), &why);
    if (!destination) throw_invalid("invalid --file \"" + file + "\": DEST " + why);
    const std::string source = file.substr(0, equals);
    if (std::filesystem::is_directory(source)) {
      files.add_host_directory(*destination, source);
    } else {
      files.add_host_file(*destination, source);
    }
  }
  inputs.files = &files;

  const image::ImageStore store = open_image_store();
  image::StoreLock lock(store.lock_path(), image::StoreLock::Mode::kShared);
  image::Sha256Digest id;
  {
    TerminalProgress progress;
    id = image::build_image(store, inputs, progress.progress());
  }
  std::printf("%s %s\n", inputs.reference.text().c_str(), image::image_id_text(id).c_str());
  return 0;
}

}  // namespace

void add_image_build_command(CLI::App& image, int* exit_code) {
  auto options = std::make_shared<BuildOptions>();
  CLI::App* cmd = image.add_subcommand("build", "Build an image into the store from a guest ELF, files and defaults");
  cmd->add_option("elf", options->guest_elf, "The guest ELF (a static ELF linked with the libOS)");
  cmd->add_option("-t,--tag", options->reference, "NAME[:TAG] of the image (the tag defaults to latest)");
  cmd->add_option("-f,--build-file", options->build_file,
                  "A JSON build file: tag, elf, process_elf, args, env, workdir, memory_mib, files, files_from");
  cmd->add_option("--process-elf", options->process_elf, "The same app built for the process backend");
  // Each repeatable flag takes one value, so the ELF after it stays the ELF.
  cmd->add_option("--file", options->files, "SRC=DEST: a host file (or directory) at DEST in the guest")
      ->allow_extra_args(false);
  cmd->add_option("--files-from", options->files_from, "A host directory whose contents become the guest's /");
  cmd->add_option("--arg", options->args, "A default argument (repeat for more; --arg=-x for one starting with -)")
      ->allow_extra_args(false);
  cmd->add_option("-e,--env", options->env, "A default KEY=VALUE for the environment")->allow_extra_args(false);
  cmd->add_option("-w,--workdir", options->workdir, "The default working directory (absolute)");
  cmd->add_option("--memory", options->memory_mib, "The default guest memory in MiB")
      ->check(CLI::Range(uint64_t{16}, uint64_t{65536}));
  cmd->callback([options, exit_code] { *exit_code = run_image_verb([&] { return build(*options); }); });
}

}  // namespace monocell::cli
