// Reads an image file (or image bytes from anywhere) as hostile input: the header, then the
// manifest (its sha256 checked before it is parsed, every field after), then blobs on demand,
// each decompressed and checked as it streams.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "images/format/byte_stream.h"
#include "images/format/file_tree_reader.h"
#include "images/format/image.pb.h"
#include "images/format/lz4_blob.h"
#include "images/format/sha256.h"

namespace monocell::image {

// A blob as the manifest describes it, its offset made absolute in the file.
struct BlobLocation {
  size_t index = 0;  // in the manifest
  v1::BlobKind kind = v1::BLOB_KIND_UNSPECIFIED;
  uint64_t file_offset = 0;
  BlobDigest digest;
};

// The blob table of a manifest that passed manifest_problem(), offsets from `blob_area_offset`.
std::vector<BlobLocation> blob_locations(const v1::Manifest& manifest, uint64_t blob_area_offset);

// Parses and checks manifest bytes whose sha256 is already known to match. Throws
// ImageError(kCorrupt) naming `what`.
v1::Manifest parse_manifest(const std::string& bytes, uint64_t blob_area_size, const std::string& what);

class ImageReader {
 public:
  // Reads and checks the header and the manifest of `source`, which must outlive the reader.
  // Throws ImageError(kCorrupt) naming the source and what is wrong.
  explicit ImageReader(const ByteSource& source);

  const v1::Manifest& manifest() const { return manifest_; }
  const std::string& manifest_bytes() const { return manifest_bytes_; }
  const Sha256Digest& manifest_digest() const { return manifest_digest_; }
  const std::vector<BlobLocation>& blobs() const { return blobs_; }
  // The blob of `kind`, or null.
  const BlobLocation* find(v1::BlobKind kind) const;

  // Decompresses `blob` into `out`, checking frame, size, digest, and the content's own
  // structure (a file tree's rules, an ELF's magic). `out` must not trust what it got until
  // this returns. The compressed bytes also go to `compressed_copy` if given.
  void read_blob(const BlobLocation& blob, ByteSink& out, ByteSink* compressed_copy = nullptr) const;
  // read_blob into nothing: checks every blob.
  void verify_blobs() const;

 private:
  const ByteSource& source_;
  std::string manifest_bytes_;
  Sha256Digest manifest_digest_{};
  v1::Manifest manifest_;
  std::vector<BlobLocation> blobs_;
};

// Checks a decompressed blob's structure while it streams to `next`: a file tree against its
// rules, an ELF's first bytes against the ELF magic. finish() after the last byte.
class BlobContentChecker final : public ByteSink {
 public:
  BlobContentChecker(v1::BlobKind kind, ByteSink& next, std::string what);
  ~BlobContentChecker() override;
  void write(std::span<const uint8_t> bytes) override;
  void finish();
  // A file tree's entries once its table has streamed past (null for other kinds).
  const std::vector<FileTreeEntry>* tree_entries() const { return tree_ ? &tree_->entries() : nullptr; }

 private:
  v1::BlobKind kind_;
  ByteSink& next_;
  std::string what_;
  std::unique_ptr<FileTreeReader> tree_;
  std::string elf_start_;
};

// "image.mcimg: blob 1 (file tree)"
std::string describe_blob(const std::string& source, const BlobLocation& blob);

}  // namespace monocell::image
