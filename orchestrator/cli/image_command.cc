// `monocell image`: the verbs that move images into, around and out of the store: tag, rm,
// save, load, prune. (build, ls and inspect have files of their own.)
#include "orchestrator/cli/image_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include "images/format/image_error.h"
#include "images/format/image_limits.h"
#include "images/store/atomic_file.h"
#include "images/store/image_transfer.h"
#include "images/store/store_lock.h"
#include "orchestrator/cli/image_cli_support.h"

namespace monocell::cli {
namespace {

using image::ImageError;
using image::ImageStore;
using image::StoreLock;

image::ImageReference reference_argument(const std::string& text, const char* what) {
  std::string why;
  const auto reference = image::parse_reference(text, &why);
  if (!reference) image::throw_invalid(std::string("invalid ") + what + " \"" + text + "\": " + why);
  return *reference;
}

int tag(const std::string& source, const std::string& target) {
  const ImageStore store = open_image_store();
  const image::ImageReference destination = reference_argument(target, "target");
  StoreLock lock(store.lock_path(), StoreLock::Mode::kShared);
  const image::Sha256Digest id = store.resolve(source);
  store.read(id);  // a damaged image gets no new name
  store.set_reference(destination, id);
  return 0;
}

// Removes a reference, or an image by ID (with every reference to it only when forced), and
// then the image itself and its blobs once nothing refers to them.
int remove(const std::vector<std::string>& targets, bool force) {
  const ImageStore store = open_image_store();
  StoreLock lock(store.lock_path(), StoreLock::Mode::kExclusive);
  int result = 0;
  for (const std::string& target : targets) {
    result = std::max(result, run_image_verb([&] {
      std::string why;
      const auto reference = image::parse_reference(target, &why);
      if (reference) {
        // A damaged reference can still be removed: it names nothing anyone could use.
        try {
          store.find(*reference);
        } catch (const ImageError& e) {
          if (e.kind() != ImageError::Kind::kCorrupt) throw;
          spdlog::warn("{}", e.what());
          store.remove_reference(*reference);
          std::printf("Untagged: %s\n", reference->text().c_str());
          return 0;
        }
      }
      const image::Sha256Digest id = store.resolve(target);
      std::vector<image::ImageReference> untag;
      if (reference && store.find(*reference) == id) {
        untag.push_back(*reference);
      } else {
        untag = store.references_to(id);
        if (untag.size() > 1 && !force) {
          std::string names;
          for (const auto& r : untag) names += (names.empty() ? "" : ", ") + r.text();
          image::throw_invalid("image " + target + " has several names (" + names +
                               "): remove them one by one, or use --force");
        }
      }
      for (const auto& r : untag) {
        if (store.remove_reference(r)) std::printf("Untagged: %s\n", r.text().c_str());
      }
      const ImageStore::Removal removal = store.collect_garbage(id);
      for (const std::string& problem : removal.problems) spdlog::warn("{}", problem);
      if (removal.images > 0) std::printf("Deleted: %s\n", image::image_id_text(id).c_str());
      return 0;
    }));
  }
  return result;
}

int save(const std::string& output, const std::string& target) {
  const ImageStore store = open_image_store();
  StoreLock lock(store.lock_path(), StoreLock::Mode::kShared);
  const image::StoredImage stored = store.read(store.resolve(target));
  if (output == "-") {
    if (::isatty(STDOUT_FILENO)) image::throw_invalid("image save -o -: standard output is a terminal; redirect it");
    image::FileSink out(STDOUT_FILENO, "standard output");
    save_image(store, stored, out);
    return 0;
  }
  // Written beside the target and renamed: a failed save leaves no partial file behind.
  const size_t slash = output.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : output.substr(0, slash);
  image::AtomicFile file(dir);
  {
    TerminalProgress progress;
    save_image(store, stored, file.sink(), progress.progress());
  }
  file.commit(output);
  return 0;
}

// Standard input copied into a temporary file of the store: the reader needs a file it can
// seek in, of a size known up front.
image::FileSource spool_standard_input(image::AtomicFile& spool) {
  std::vector<uint8_t> chunk(1 << 20);
  uint64_t total = 0;
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) image::throw_errno("read", "standard input");
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > image::limits::kMaxImageFileSize) {
      image::throw_corrupt("standard input holds more than an image may be (" +
                           std::to_string(image::limits::kMaxImageFileSize) + " bytes)");
    }
    spool.sink().write({chunk.data(), static_cast<size_t>(n)});
  }
  const int fd = ::open(spool.temp_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) image::throw_errno("open", spool.temp_path());
  return image::FileSource(image::FileDescriptor(fd), "standard input");
}

int load(const std::string& input, const std::string& as) {
  const ImageStore store = open_image_store();
  std::optional<image::ImageReference> reference;
  if (!as.empty()) reference = reference_argument(as, "--tag");
  StoreLock lock(store.lock_path(), StoreLock::Mode::kShared);
  std::optional<image::AtomicFile> spool;
  std::optional<image::FileSource> file;
  if (input == "-") {
    spool.emplace(store.temp_file());
    file.emplace(spool_standard_input(*spool));
  } else {
    file.emplace(image::FileSource::open(input));
  }
  image::LoadedImage loaded;
  {
    TerminalProgress progress;
    loaded = load_image(store, *file, reference, progress.progress());
  }
  std::printf("Loaded image: %s (%s)\n", loaded.reference.text().c_str(), image::image_id_text(loaded.id).c_str());
  return 0;
}

int prune() {
  const ImageStore store = open_image_store();
  StoreLock lock(store.lock_path(), StoreLock::Mode::kExclusive);
  const ImageStore::Removal removal = store.collect_garbage(std::nullopt);
  for (const std::string& problem : removal.problems) spdlog::warn("{}", problem);
  std::printf("Deleted %zu image%s, %zu blob%s, %zu temporary file%s; reclaimed %s\n", removal.images,
              removal.images == 1 ? "" : "s", removal.blobs, removal.blobs == 1 ? "" : "s", removal.temp_files,
              removal.temp_files == 1 ? "" : "s", human_size(removal.bytes).c_str());
  return 0;
}

}  // namespace

void add_image_command(CLI::App& app, int* exit_code) {
  CLI::App* image = app.add_subcommand("image", "Build, list and move images (the image store: $MONOCELL_IMAGE_STORE, "
                                                "/var/lib/monocell/images, or $XDG_DATA_HOME/monocell/images)");
  image->require_subcommand(1);
  image->footer("Exit status: 0 done; 1 no such image; 125 bad usage or monocell failed; 126 corrupt image.");
  add_image_build_command(*image, exit_code);
  add_image_listing_commands(*image, exit_code);

  auto source = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  CLI::App* tag_cmd = image->add_subcommand("tag", "Give an image another NAME[:TAG]");
  tag_cmd->add_option("source", *source, "The image: NAME[:TAG] or ID")->required();
  tag_cmd->add_option("target", *target, "The new NAME[:TAG]")->required();
  tag_cmd->callback([=] { *exit_code = run_image_verb([&] { return tag(*source, *target); }); });

  auto targets = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  CLI::App* rm_cmd = image->add_subcommand("rm", "Remove names, and the images no name refers to any more");
  rm_cmd->add_option("images", *targets, "NAME[:TAG] or ID")->required();
  rm_cmd->add_flag("-f,--force", *force, "Remove an image by ID even when it has several names");
  rm_cmd->callback([=] { *exit_code = run_image_verb([&] { return remove(*targets, *force); }); });

  auto output = std::make_shared<std::string>();
  auto save_target = std::make_shared<std::string>();
  CLI::App* save_cmd = image->add_subcommand("save", "Write an image to one file (to move it to another host)");
  save_cmd->add_option("-o,--output", *output, "The file to write (\"-\": standard output)")->required();
  save_cmd->add_option("image", *save_target, "NAME[:TAG] or ID")->required();
  save_cmd->callback([=] { *exit_code = run_image_verb([&] { return save(*output, *save_target); }); });

  auto input = std::make_shared<std::string>();
  auto as = std::make_shared<std::string>();
  CLI::App* load_cmd = image->add_subcommand("load", "Add an image file to the store, after checking all of it");
  load_cmd->add_option("-i,--input", *input, "The image file (\"-\": standard input)")->required();
  load_cmd->add_option("-t,--tag", *as, "NAME[:TAG] to give it (default: the name it was built with)");
  load_cmd->callback([=] { *exit_code = run_image_verb([&] { return load(*input, *as); }); });

  CLI::App* prune_cmd = image->add_subcommand("prune", "Delete images no name refers to, unused blobs, and leftovers");
  prune_cmd->callback([=] { *exit_code = run_image_verb(prune); });
}

}  // namespace monocell::cli
