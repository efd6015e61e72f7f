// Builds an image into the store from its parts: the ELF(s), an optional file tree, and the
// run defaults. Each blob is compressed once, straight into a temporary file of the store;
// nothing becomes visible until every part is written, and then the reference last.
#pragma once

#include <cstdint>
#include <string>

#include "images/format/file_tree_writer.h"
#include "images/format/image.pb.h"
#include "images/format/image_reference.h"
#include "images/format/sha256.h"
#include "images/store/image_store.h"
#include "images/store/store_progress.h"

namespace monocell::image {

struct BuildInputs {
  ImageReference reference;
  std::string guest_elf;  // a guest image's path, or empty
  uint32_t guest_abi_version = 0;  // its boot ABI, from its Monocell note
  std::string process_elf;  // the app built for the process backend, or empty
  const FileTreeWriter* files = nullptr;  // the file tree, or null for none
  v1::RunDefaults defaults;
  int64_t created_unix_seconds = 0;
  int compression_level = 9;
};

// Writes the image and points `inputs.reference` at it; returns its ID. The caller holds the
// store's lock shared. Throws ImageError: kInvalidInput for unacceptable inputs (not an ELF,
// defaults that break the manifest's rules), kNotFound for a missing file, kIo.
Sha256Digest build_image(const ImageStore& store, const BuildInputs& inputs, const Progress& progress = {});

}  // namespace monocell::image
