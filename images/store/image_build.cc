// Building images into the store.
#include "images/store/image_build.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "images/format/file_descriptor.h"
#include "images/format/image_error.h"
#include "images/format/lz4_blob.h"
#include "images/format/manifest_check.h"

namespace monocell::image {
namespace {

struct StagedBlob {
  AtomicFile file;
  BlobDigest digest;
};

// Compresses the ELF at `path` into a temporary file of the store.
StagedBlob stage_elf(const ImageStore& store, const std::string& path, v1::BlobKind kind, int level,
                     const Progress& progress) {
  FileSource elf = FileSource::open(path);
  if (elf.size() < 4) throw_invalid(path + " is not an ELF file (" + std::to_string(elf.size()) + " bytes)");
  uint8_t magic[4];
  elf.read_at(0, magic);
  if (std::string_view(reinterpret_cast<const char*>(magic), 4) != "\x7f" "ELF") throw_invalid(path + " is not an ELF file");
  StagedBlob staged{store.temp_file(), {}};
  BlobEncoder encoder(staged.file.sink(), level);
  ProgressSink counted(encoder, progress, "compressing the " + blob_kind_name(kind), elf.size());
  copy_range(elf, 0, elf.size(), counted);
  staged.digest = encoder.finish();
  return staged;
}

StagedBlob stage_tree(const ImageStore& store, const FileTreeWriter& tree, int level, const Progress& progress) {
  StagedBlob staged{store.temp_file(), {}};
  BlobEncoder encoder(staged.file.sink(), level);
  const uint64_t total = tree.content_size();
  tree.write(encoder, [&](uint64_t done) {
    if (progress) progress("compressing the file tree", done, total);
  });
  staged.digest = encoder.finish();
  return staged;
}

void add_blob(v1::Manifest& manifest, v1::BlobKind kind, const BlobDigest& digest) {
  uint64_t offset = 0;
  for (const v1::Blob& blob : manifest.blobs()) offset += blob.compressed_size();
  v1::Blob* blob = manifest.add_blobs();
  blob->set_kind(kind);
  blob->set_offset(offset);
  blob->set_compressed_size(digest.compressed_size);
  blob->set_size(digest.size);
  blob->set_sha256(std::string(digest.sha256.begin(), digest.sha256.end()));
}

}  // namespace

Sha256Digest build_image(const ImageStore& store, const BuildInputs& inputs, const Progress& progress) {
  v1::Manifest manifest;
  manifest.set_name(inputs.reference.name);
  manifest.set_tag(inputs.reference.tag);
  manifest.set_created_unix_seconds(inputs.created_unix_seconds);
  manifest.set_guest_abi_version(inputs.guest_elf.empty() ? 0 : inputs.guest_abi_version);
  *manifest.mutable_defaults() = inputs.defaults;
  if (const std::string problem = run_defaults_problem(inputs.defaults); !problem.empty()) {
    throw_invalid("image build " + inputs.reference.text() + ": " + problem);
  }

  std::vector<StagedBlob> staged;
  if (!inputs.guest_elf.empty()) {
    staged.push_back(stage_elf(store, inputs.guest_elf, v1::BLOB_KIND_GUEST_ELF, inputs.compression_level, progress));
    add_blob(manifest, v1::BLOB_KIND_GUEST_ELF, staged.back().digest);
  }
  if (!inputs.process_elf.empty()) {
    staged.push_back(stage_elf(store, inputs.process_elf, v1::BLOB_KIND_PROCESS_ELF, inputs.compression_level, progress));
    add_blob(manifest, v1::BLOB_KIND_PROCESS_ELF, staged.back().digest);
  }
  if (inputs.files != nullptr && inputs.files->entry_count() > 0) {
    staged.push_back(stage_tree(store, *inputs.files, inputs.compression_level, progress));
    add_blob(manifest, v1::BLOB_KIND_FILE_TREE, staged.back().digest);
  }
  uint64_t area = 0;
  for (const StagedBlob& blob : staged) area += blob.digest.compressed_size;
  if (const std::string problem = manifest_problem(manifest, area); !problem.empty()) {
    throw_invalid("image build " + inputs.reference.text() + ": " + problem);
  }
  std::string manifest_bytes;
  if (!manifest.SerializeToString(&manifest_bytes)) throw_invalid("image build: the manifest does not serialize");

  // Everything is written: now it becomes visible, blobs first, the reference last.
  for (StagedBlob& blob : staged) store.commit_blob(blob.file, blob.digest);
  const Sha256Digest id = store.put_manifest(manifest_bytes);
  store.set_reference(inputs.reference, id);
  return id;
}

}  // namespace monocell::image
