// `monocell image ls` and `monocell image inspect`: what is in the store, as a table or JSON.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "images/format/file_tree_abi.h"
#include "images/format/image_error.h"
#include "images/format/manifest_check.h"
#include "images/store/store_lock.h"
#include "orchestrator/cli/image_cli_support.h"
#include "orchestrator/cli/image_command.h"

namespace monocell::cli {
namespace {

using nlohmann::json;

// Paths in a file tree need not be UTF-8; JSON text must be.
std::string json_text(const json& value) { return value.dump(2, ' ', false, json::error_handler_t::replace); }

int list(const std::string& format) {
  const image::ImageStore store = open_image_store();
  image::StoreLock lock(store.lock_path(), image::StoreLock::Mode::kShared);
  std::vector<std::string> problems;
  const auto references = store.references(&problems);
  json rows = json::array();
  std::printf("%s", format == "json" ? "" : "NAME                     TAG            IMAGE ID       CREATED          SIZE\n");
  for (const image::StoredReference& r : references) {
    image::StoredImage stored;
    try {
      stored = store.read(r.id);
    } catch (const image::ImageError& e) {
      problems.push_back(r.reference.text() + ": " + e.what());
      continue;
    }
    const std::string id = image::to_hex(r.id);
    if (format == "json") {
      rows.push_back({{"name", r.reference.name},
                      {"tag", r.reference.tag},
                      {"id", image::image_id_text(r.id)},
                      {"created", iso_time(stored.manifest.created_unix_seconds())},
                      {"created_unix_seconds", stored.manifest.created_unix_seconds()},
                      {"size", stored.file_size()},
                      {"content_size", stored.content_size()}});
    } else {
      std::printf("%-24s %-14s %-14s %-16s %s\n", r.reference.name.c_str(), r.reference.tag.c_str(), id.substr(0, 12).c_str(),
                  time_ago(stored.manifest.created_unix_seconds()).c_str(), human_size(stored.file_size()).c_str());
    }
  }
  if (format == "json") std::printf("%s\n", json_text(rows).c_str());
  for (const std::string& problem : problems) spdlog::warn("skipped a damaged store entry: {}", problem);
  return 0;
}

std::string octal(uint32_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & image::file_tree::kPermissionMask);
  return text;
}

// Everything about one image; every blob is read and checked on the way (126 if one is damaged).
int inspect(const std::string& target) {
  const image::ImageStore store = open_image_store();
  image::StoreLock lock(store.lock_path(), image::StoreLock::Mode::kShared);
  const image::StoredImage stored = store.read(store.resolve(target));
  const image::v1::Manifest& m = stored.manifest;
  json references = json::array();
  for (const auto& r : store.references_to(stored.id)) references.push_back(r.text());
  json blobs = json::array();
  json files = json::array();
  for (const image::BlobLocation& blob : stored.blobs) {
    const image::FileSource frame = store.open_blob(blob);
    const std::string what = "stored " + image::describe_blob(image::image_id_text(stored.id), blob);
    image::NullSink nothing;
    image::BlobContentChecker checker(blob.kind, nothing, what);
    image::decode_blob(frame, 0, blob.digest, checker, what);
    checker.finish();
    if (const auto* entries = checker.tree_entries()) {
      for (const image::FileTreeEntry& e : *entries) {
        files.push_back({{"path", "/" + e.path},
                         {"type", e.is_directory() ? "directory" : "file"},
                         {"mode", octal(e.mode)},
                         {"size", e.size}});
      }
    }
    blobs.push_back({{"kind", image::blob_kind_name(blob.kind)},
                     {"size", blob.digest.size},
                     {"compressed_size", blob.digest.compressed_size},
                     {"sha256", image::to_hex(blob.digest.sha256)}});
  }
  const json info = {
      {"id", image::image_id_text(stored.id)},
      {"references", references},
      {"name", m.name()},
      {"tag", m.tag()},
      {"created", iso_time(m.created_unix_seconds())},
      {"created_unix_seconds", m.created_unix_seconds()},
      {"guest_abi_version", m.guest_abi_version()},
      {"defaults",
       {{"argv", json(std::vector<std::string>(m.defaults().argv().begin(), m.defaults().argv().end()))},
        {"env", json(std::vector<std::string>(m.defaults().env().begin(), m.defaults().env().end()))},
        {"cwd", m.defaults().cwd().empty() ? "/" : m.defaults().cwd()},
        {"memory_mib", m.defaults().memory_mib()}}},
      {"size", stored.file_size()},
      {"content_size", stored.content_size()},
      {"blobs", blobs},
      {"files", files},
  };
  std::printf("%s\n", json_text(info).c_str());
  return 0;
}

}  // namespace

void add_image_listing_commands(CLI::App& image, int* exit_code) {
  auto format = std::make_shared<std::string>("table");
  CLI::App* ls = image.add_subcommand("ls", "List the images in the store, by name");
  ls->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  ls->callback([format, exit_code] { *exit_code = run_image_verb([&] { return list(*format); }); });

  auto target = std::make_shared<std::string>();
  CLI::App* inspect_cmd = image.add_subcommand("inspect", "Show an image's manifest, blobs and files as JSON");
  inspect_cmd->add_option("image", *target, "NAME[:TAG] or ID")->required();
  inspect_cmd->callback([target, exit_code] { *exit_code = run_image_verb([&] { return inspect(*target); }); });
}

}  // namespace monocell::cli
