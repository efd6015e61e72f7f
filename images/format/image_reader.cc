// Reading and checking image files.
#include "images/format/image_reader.h"

#include <algorithm>

#include "images/format/file_tree_reader.h"
#include "images/format/image_error.h"
#include "images/format/image_header.h"
#include "images/format/image_limits.h"
#include "images/format/manifest_check.h"

namespace monocell::image {
namespace {

constexpr char kElfMagic[] = "\x7f" "ELF";

}  // namespace

std::vector<BlobLocation> blob_locations(const v1::Manifest& manifest, uint64_t blob_area_offset) {
  std::vector<BlobLocation> blobs;
  for (const v1::Blob& blob : manifest.blobs()) {
    BlobLocation location;
    location.index = blobs.size();
    location.kind = blob.kind();
    location.file_offset = blob_area_offset + blob.offset();
    location.digest.size = blob.size();
    location.digest.compressed_size = blob.compressed_size();
    std::copy(blob.sha256().begin(), blob.sha256().end(), location.digest.sha256.begin());
    blobs.push_back(location);
  }
  return blobs;
}

v1::Manifest parse_manifest(const std::string& bytes, uint64_t blob_area_size, const std::string& what) {
  v1::Manifest manifest;
  if (!manifest.ParseFromString(bytes)) throw_corrupt(what + ": the manifest is not a valid protobuf Manifest");
  if (const std::string problem = manifest_problem(manifest, blob_area_size); !problem.empty()) {
    throw_corrupt(what + ": manifest: " + problem);
  }
  return manifest;
}

ImageReader::ImageReader(const ByteSource& source) : source_(source) {
  const std::string& what = source.name();
  const uint64_t file_size = source.size();
  if (file_size > limits::kMaxImageFileSize) {
    throw_corrupt(what + " is " + std::to_string(file_size) + " bytes, more than an image may be (" +
                  std::to_string(limits::kMaxImageFileSize) + ")");
  }
  if (file_size < kHeaderSize) {
    throw_corrupt(what + " is " + std::to_string(file_size) + " bytes, shorter than an image header (" +
                  std::to_string(kHeaderSize) + ")");
  }
  std::array<uint8_t, kHeaderSize> header_bytes;
  source.read_at(0, header_bytes);
  const ImageHeader header = decode_header(header_bytes, file_size, what);
  manifest_bytes_.resize(header.manifest_size);
  source.read_at(kHeaderSize, {reinterpret_cast<uint8_t*>(manifest_bytes_.data()), manifest_bytes_.size()});
  manifest_digest_ = Sha256::of(manifest_bytes_);
  if (manifest_digest_ != header.manifest_sha256) {
    throw_corrupt(what + ": the manifest's sha256 is " + to_hex(manifest_digest_) + ", the header gives " +
                  to_hex(header.manifest_sha256));
  }
  const uint64_t blob_area_offset = kHeaderSize + header.manifest_size;
  manifest_ = parse_manifest(manifest_bytes_, file_size - blob_area_offset, what);
  blobs_ = blob_locations(manifest_, blob_area_offset);
}

const BlobLocation* ImageReader::find(v1::BlobKind kind) const {
  for (const BlobLocation& blob : blobs_) {
    if (blob.kind == kind) return &blob;
  }
  return nullptr;
}

void ImageReader::read_blob(const BlobLocation& blob, ByteSink& out, ByteSink* compressed_copy) const {
  const std::string what = describe_blob(source_.name(), blob);
  BlobContentChecker checker(blob.kind, out, what);
  decode_blob(source_, blob.file_offset, blob.digest, checker, what, compressed_copy);
  checker.finish();
}

void ImageReader::verify_blobs() const {
  NullSink nothing;
  for (const BlobLocation& blob : blobs_) read_blob(blob, nothing);
}

BlobContentChecker::BlobContentChecker(v1::BlobKind kind, ByteSink& next, std::string what)
    : kind_(kind), next_(next), what_(std::move(what)) {
  if (kind_ == v1::BLOB_KIND_FILE_TREE) tree_ = std::make_unique<FileTreeReader>(what_);
}

BlobContentChecker::~BlobContentChecker() = default;

void BlobContentChecker::write(std::span<const uint8_t> bytes) {
  if (tree_) {
    tree_->write(bytes);
  } else if (elf_start_.size() < 4) {
    const size_t take = std::min(bytes.size(), 4 - elf_start_.size());
    elf_start_.append(reinterpret_cast<const char*>(bytes.data()), take);
    if (elf_start_.size() == 4 && elf_start_ != kElfMagic) throw_corrupt(what_ + ": not an ELF file (no ELF magic)");
  }
  next_.write(bytes);
}

void BlobContentChecker::finish() {
  if (tree_) {
    tree_->finish();
  } else if (elf_start_.size() < 4) {
    throw_corrupt(what_ + ": not an ELF file (" + std::to_string(elf_start_.size()) + " bytes)");
  }
}

std::string describe_blob(const std::string& source, const BlobLocation& blob) {
  return source + ": blob " + std::to_string(blob.index) + " (" + blob_kind_name(blob.kind) + ")";
}

}  // namespace monocell::image
