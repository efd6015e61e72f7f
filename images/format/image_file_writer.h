// Writes an image file: the header, the manifest, and the blobs' lz4 frames back to back.
// The frames are made beforehand (BlobEncoder), so a file is written once, front to back.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "images/format/byte_stream.h"
#include "images/format/image.pb.h"

namespace monocell::image {

// `manifest` lists the blobs (kind, sizes, sha256) in file order; `frames` holds each one's
// compressed bytes, in the same order. Fills in the offsets, checks the manifest
// (ImageError(kInvalidInput) if it breaks a rule), and writes the file to `out`. Returns the
// manifest's bytes as written.
std::string write_image(v1::Manifest manifest, const std::vector<const ByteSource*>& frames, ByteSink& out);

// A whole image in memory from decompressed blob contents (tests, fuzz seeds). `manifest`
// holds everything but the blobs.
std::string make_image(v1::Manifest manifest, const std::vector<std::pair<v1::BlobKind, std::string>>& blobs);

}  // namespace monocell::image
