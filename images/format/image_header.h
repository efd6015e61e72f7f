// The fixed header at the start of every image file: what it is, which format version, and
// the length and sha256 of the manifest that follows it. Layout (little-endian, 64 bytes):
//
//   0  magic            8 bytes  "MONOIMG\0"
//   8  format_version   u32      kFormatVersion
//  12  header_size      u32      64 (the manifest starts here)
//  16  manifest_size    u64      bytes of the protobuf manifest
//  24  manifest_sha256  32 bytes sha256 of those bytes
//  56  reserved         u64      zero
//
// The blobs follow the manifest (docs/image-format.md).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "images/format/sha256.h"

namespace monocell::image {

inline constexpr std::array<uint8_t, 8> kImageMagic = {'M', 'O', 'N', 'O', 'I', 'M', 'G', 0};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint32_t kHeaderSize = 64;

struct ImageHeader {
  uint32_t format_version = kFormatVersion;
  uint64_t manifest_size = 0;
  Sha256Digest manifest_sha256{};
};

std::array<uint8_t, kHeaderSize> encode_header(const ImageHeader& header);

// Decodes and checks the header of an image `file_size` bytes long: the magic, the version,
// the header size, zero reserved bytes, and a manifest that fits in the file and the limits.
// Throws ImageError(kCorrupt) naming `what` and the field.
ImageHeader decode_header(std::span<const uint8_t, kHeaderSize> bytes, uint64_t file_size, const std::string& what);

}  // namespace monocell::image
