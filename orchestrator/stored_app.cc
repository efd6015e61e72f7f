// Apps from the image store.
#include "orchestrator/stored_app.h"

#include <sys/stat.h>

#include <monocell/boot_abi.h>

#include "images/format/image_error.h"
#include "images/format/image_reference.h"
#include "images/format/sha256.h"
#include "images/store/blob_memfd.h"
#include "images/store/image_store.h"
#include "images/store/store_lock.h"

namespace monocell {

StoredAppLookup find_stored_app(const std::string& hypervisor, const std::string& app) {
  StoredAppLookup lookup;
  std::string why;
  const auto reference = image::parse_reference(app, &why);
  if (!reference) return lookup;
  std::string root;
  try {
    root = image::ImageStore::default_root();
  } catch (const image::ImageError&) {
    return lookup;  // nowhere to look (no HOME): no store
  }
  try {
    const image::ImageStore store(root);
    struct stat st {};
    if (::stat(store.root().c_str(), &st) != 0) return lookup;  // no store yet: nothing in it
    image::StoreLock lock(store.lock_path(), image::StoreLock::Mode::kShared);
    const auto id = store.find(*reference);
    if (!id) return lookup;
    const image::StoredImage stored = store.read(*id);
    const auto wanted = hypervisor == "process" ? image::v1::BLOB_KIND_PROCESS_ELF : image::v1::BLOB_KIND_GUEST_ELF;
    const image::BlobLocation* blob = nullptr;
    const image::BlobLocation* file_tree = nullptr;
    for (const image::BlobLocation& b : stored.blobs) {
      if (b.kind == wanted) blob = &b;
      if (b.kind == image::v1::BLOB_KIND_FILE_TREE) file_tree = &b;
    }
    if (blob == nullptr) {
      lookup.broken = true;
      lookup.why = "image " + reference->text() + " has no " +
                   (hypervisor == "process" ? "process ELF (build it with --process-elf)" : "guest ELF") +
                   ", so it cannot run on the " + hypervisor + " hypervisor";
      return lookup;
    }
    if (wanted == image::v1::BLOB_KIND_GUEST_ELF && stored.manifest.guest_abi_version() != boot::kBootAbiVersion) {
      lookup.broken = true;
      lookup.why = "image " + reference->text() + " needs guest boot ABI " +
                   std::to_string(stored.manifest.guest_abi_version()) + "; this monocell boots ABI " +
                   std::to_string(boot::kBootAbiVersion);
      return lookup;
    }
    StoredApp found;
    found.memfd = std::make_shared<image::FileDescriptor>(
        image::decompress_to_memfd(store, stored, *blob, reference->name));
    found.path = image::memfd_path(*found.memfd);
    found.sha256 = image::to_hex(blob->digest.sha256);  // the decompression above checked it
    if (file_tree != nullptr) {
      found.file_tree_memfd = std::make_shared<image::FileDescriptor>(
          image::decompress_to_memfd(store, stored, *file_tree, reference->name + "-files"));
      found.file_tree_path = image::memfd_path(*found.file_tree_memfd);
    }
    found.name = reference->name;
    found.defaults = stored.manifest.defaults();
    lookup.app = std::move(found);
  } catch (const image::ImageError& e) {
    lookup.broken = true;
    lookup.why = std::string("cannot run image ") + app + ": " + e.what();
  }
  return lookup;
}

void apply_image_defaults(const StoredApp& app, const CommandLineChoices& given, GuestConfig* config) {
  const image::v1::RunDefaults& defaults = app.defaults;
  if (config->argv.empty()) config->argv.emplace_back();
  config->argv[0] = app.name;
  if (!given.args) config->argv.insert(config->argv.end(), defaults.argv().begin(), defaults.argv().end());
  config->env.insert(config->env.begin(), defaults.env().begin(), defaults.env().end());
  if (!given.cwd && !defaults.cwd().empty()) config->cwd = defaults.cwd();
  if (!given.memory && defaults.memory_mib() != 0) config->memory_mib = defaults.memory_mib();
}

}  // namespace monocell
