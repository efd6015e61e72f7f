// Encoding and checking the image file header.
#include "images/format/image_header.h"

#include <algorithm>
#include <cstring>

#include "images/format/image_error.h"
#include "images/format/image_limits.h"

namespace monocell::image {
namespace {

constexpr size_t kVersionAt = 8;
constexpr size_t kHeaderSizeAt = 12;
constexpr size_t kManifestSizeAt = 16;
constexpr size_t kManifestDigestAt = 24;
constexpr size_t kReservedAt = 56;

template <typename T>
void put_le(uint8_t* at, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) at[i] = static_cast<uint8_t>(value >> (8 * i));
}

template <typename T>
T get_le(const uint8_t* at) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(at[i]) << (8 * i);
  return value;
}

}  // namespace

std::array<uint8_t, kHeaderSize> encode_header(const ImageHeader& header) {
  std::array<uint8_t, kHeaderSize> bytes{};
  std::copy(kImageMagic.begin(), kImageMagic.end(), bytes.begin());
  put_le<uint32_t>(&bytes[kVersionAt], header.format_version);
  put_le<uint32_t>(&bytes[kHeaderSizeAt], kHeaderSize);
  put_le<uint64_t>(&bytes[kManifestSizeAt], header.manifest_size);
  std::copy(header.manifest_sha256.begin(), header.manifest_sha256.end(), &bytes[kManifestDigestAt]);
  return bytes;
}

ImageHeader decode_header(std::span<const uint8_t, kHeaderSize> bytes, uint64_t file_size, const std::string& what) {
  if (file_size < kHeaderSize) {
    throw_corrupt(what + " is " + std::to_string(file_size) + " bytes, shorter than an image header (" +
                  std::to_string(kHeaderSize) + ")");
  }
  if (!std::equal(kImageMagic.begin(), kImageMagic.end(), bytes.begin())) {
    throw_corrupt(what + " is not a monocell image (its first bytes are not the magic \"MONOIMG\\0\")");
  }
  ImageHeader header;
  header.format_version = get_le<uint32_t>(&bytes[kVersionAt]);
  if (header.format_version != kFormatVersion) {
    throw_corrupt(what + ": image format version " + std::to_string(header.format_version) +
                  " is not supported (this monocell reads version " + std::to_string(kFormatVersion) + ")");
  }
  const uint32_t header_size = get_le<uint32_t>(&bytes[kHeaderSizeAt]);
  if (header_size != kHeaderSize) {
    throw_corrupt(what + ": header size " + std::to_string(header_size) + ", expected " + std::to_string(kHeaderSize));
  }
  if (get_le<uint64_t>(&bytes[kReservedAt]) != 0) throw_corrupt(what + ": the header's reserved bytes are not zero");
  header.manifest_size = get_le<uint64_t>(&bytes[kManifestSizeAt]);
  if (header.manifest_size == 0 || header.manifest_size > limits::kMaxManifestSize) {
    throw_corrupt(what + ": manifest size " + std::to_string(header.manifest_size) + " is outside 1.." +
                  std::to_string(limits::kMaxManifestSize));
  }
  if (header.manifest_size > file_size - kHeaderSize) {
    throw_corrupt(what + ": the manifest (" + std::to_string(header.manifest_size) + " bytes at offset " +
                  std::to_string(kHeaderSize) + ") runs past the end of the file (" + std::to_string(file_size) +
                  " bytes)");
  }
  std::copy(&bytes[kManifestDigestAt], &bytes[kManifestDigestAt] + 32, header.manifest_sha256.begin());
  return header;
}

}  // namespace monocell::image
