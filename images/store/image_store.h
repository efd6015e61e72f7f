// The content-addressed image store: images by the sha256 of their manifest, blobs by the
// sha256 of their content, and references NAME:TAG pointing at images. Layout under the root:
//
//   blobs/sha256/<hex>.<compressed size>.lz4   a blob's lz4 frame; <hex>: sha256 of its content
//   manifests/sha256/<hex>                     a manifest's bytes; <hex>: their sha256, the image ID
//   refs/<name>/<tag>                          "sha256:<hex>\n": the image NAME:TAG points at
//   tmp/                                       files being written, renamed into place when whole
//   lock                                       StoreLock
//
// Every file appears whole or not at all (AtomicFile). Whatever is read back is checked again:
// a damaged or foreign entry is reported as corrupt, never trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "images/format/byte_stream.h"
#include "images/format/image.pb.h"
#include "images/format/image_reader.h"
#include "images/format/image_reference.h"
#include "images/format/lz4_blob.h"
#include "images/format/sha256.h"
#include "images/store/atomic_file.h"

namespace monocell::image {

// An image read back from the store: its manifest checked against its ID and the format's rules.
struct StoredImage {
  Sha256Digest id{};
  std::string manifest_bytes;
  v1::Manifest manifest;
  std::vector<BlobLocation> blobs;  // file offsets as `image save` lays them out

  uint64_t file_size() const;  // the size of the image file `image save` writes
  uint64_t content_size() const;  // the blobs decompressed
};

struct StoredReference {
  ImageReference reference;
  Sha256Digest id{};
};

// "sha256:<hex>"
std::string image_id_text(const Sha256Digest& id);

class ImageStore {
 public:
  // $MONOCELL_IMAGE_STORE; else /var/lib/monocell/images for root; else
  // $XDG_DATA_HOME/monocell/images (XDG_DATA_HOME defaults to ~/.local/share).
  static std::string default_root();

  explicit ImageStore(std::string root);
  const std::string& root() const { return root_; }
  std::string lock_path() const;

  // ---- Reading (hold a shared StoreLock) ----
  // The image NAME:TAG points at, or null. A reference file that is not a digest throws kCorrupt.
  std::optional<Sha256Digest> find(const ImageReference& reference) const;
  // NAME[:TAG], or an image ID ("sha256:<hex>", or at least 12 hex digits of one, with or
  // without "sha256:") when no reference has that name. Throws kNoSuchImage, kInvalidInput for
  // text that is neither, kCorrupt for a damaged reference (kNoSuchImage when nothing matches).
  Sha256Digest resolve(const std::string& text) const;
  // Throws kCorrupt if its manifest is missing or damaged (an ID comes from resolve()).
  StoredImage read(const Sha256Digest& id) const;
  // Every reference, sorted; a damaged one is described in `problems` and left out.
  std::vector<StoredReference> references(std::vector<std::string>* problems) const;
  // The references pointing at `id`.
  std::vector<ImageReference> references_to(const Sha256Digest& id) const;
  // Where a blob's frame is, whether or not it is there.
  std::string blob_path(const BlobLocation& blob) const;
  // A blob's frame, opened; kNotFound if it is missing, kCorrupt if its size is not the manifest's.
  FileSource open_blob(const BlobLocation& blob) const;

  // ---- Adding (hold a shared StoreLock) ----
  // A temporary file in the store, for commit_blob() or anything else.
  AtomicFile temp_file() const;
  // Moves a frame (written to `file`, and already checked) to its place for `digest`.
  void commit_blob(AtomicFile& file, const BlobDigest& digest) const;
  // Stores manifest bytes (already checked) under their sha256, which it returns.
  Sha256Digest put_manifest(const std::string& manifest_bytes) const;
  // Points `reference` at `id`, replacing what it pointed at.
  void set_reference(const ImageReference& reference, const Sha256Digest& id) const;

  // ---- Removing (hold an exclusive StoreLock) ----
  // False if there was no such reference.
  bool remove_reference(const ImageReference& reference) const;
  struct Removal {
    size_t images = 0;
    size_t blobs = 0;
    size_t temp_files = 0;
    uint64_t bytes = 0;
    std::vector<std::string> problems;  // damaged entries seen (and left alone)
  };
  // Deletes `only` (or, if null, every image) when no reference points at it, then every blob
  // no remaining image uses, and (for a whole prune) leftover temporary files.
  Removal collect_garbage(const std::optional<Sha256Digest>& only) const;

 private:
  std::string manifest_path(const Sha256Digest& id) const;
  std::string reference_path(const ImageReference& reference) const;
  std::string temp_dir() const;

  std::string root_;
};

}  // namespace monocell::image
