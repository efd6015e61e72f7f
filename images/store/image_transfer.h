// Moving images between stores as image files: `image save` writes a stored image out as one
// file (each blob checked as it is copied); `image load` reads a file as hostile input and
// stores it only when every check has passed.
#pragma once

#include <optional>

#include "images/format/byte_stream.h"
#include "images/format/image_reference.h"
#include "images/store/image_store.h"
#include "images/store/store_progress.h"

namespace monocell::image {

// Writes `image` as an image file to `out`. Its manifest goes out byte for byte, so the image
// keeps its ID. The caller holds the store's lock shared. Throws kCorrupt for a damaged blob.
void save_image(const ImageStore& store, const StoredImage& image, ByteSink& out, const Progress& progress = {});

struct LoadedImage {
  Sha256Digest id{};
  ImageReference reference;
};

// Checks the image file `file` completely (header, manifest, every blob), then adds it to the
// store and points `reference` (default: the name and tag in its manifest) at it. Nothing of it
// is visible in the store unless every check passed. The caller holds the store's lock shared.
LoadedImage load_image(const ImageStore& store, const ByteSource& file, const std::optional<ImageReference>& reference,
                       const Progress& progress = {});

}  // namespace monocell::image
