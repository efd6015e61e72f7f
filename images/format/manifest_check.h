// Every rule a manifest must keep (image.proto): valid name and tag, bounded and well-formed
// run defaults, and a blob table that tiles the bytes after the manifest exactly.
#pragma once

#include <cstdint>
#include <string>

#include "images/format/image.pb.h"

namespace monocell::image {

// What is wrong with `manifest` for a file whose blobs occupy `blob_area_size` bytes after the
// manifest, or empty when nothing is. Names the field ("blob 1 (file tree): ...").
std::string manifest_problem(const v1::Manifest& manifest, uint64_t blob_area_size);

// What is wrong with run defaults alone, or empty (also used to check a build's flags).
std::string run_defaults_problem(const v1::RunDefaults& defaults);

// "guest ELF", "file tree", "process ELF", or "kind N".
std::string blob_kind_name(int kind);

}  // namespace monocell::image
