// Writing image files.
#include "images/format/image_file_writer.h"

#include "images/format/image_error.h"
#include "images/format/image_header.h"
#include "images/format/lz4_blob.h"
#include "images/format/manifest_check.h"
#include "images/format/sha256.h"

namespace monocell::image {

std::string write_image(v1::Manifest manifest, const std::vector<const ByteSource*>& frames, ByteSink& out) {
  if (static_cast<size_t>(manifest.blobs_size()) != frames.size()) {
    throw_invalid("write image: the manifest lists " + std::to_string(manifest.blobs_size()) + " blobs, " +
                  std::to_string(frames.size()) + " were given");
  }
  uint64_t offset = 0;
  for (int i = 0; i < manifest.blobs_size(); ++i) {
    v1::Blob* blob = manifest.mutable_blobs(i);
    if (blob->compressed_size() != frames[static_cast<size_t>(i)]->size()) {
      throw_invalid("write image: blob " + std::to_string(i) + " is " + std::to_string(frames[static_cast<size_t>(i)]->size()) +
                    " bytes, the manifest gives " + std::to_string(blob->compressed_size()));
    }
    blob->set_offset(offset);
    offset += blob->compressed_size();
  }
  if (const std::string problem = manifest_problem(manifest, offset); !problem.empty()) {
    throw_invalid("write image " + manifest.name() + ":" + manifest.tag() + ": " + problem);
  }
  std::string manifest_bytes;
  if (!manifest.SerializeToString(&manifest_bytes)) throw_invalid("write image: the manifest does not serialize");
  ImageHeader header;
  header.manifest_size = manifest_bytes.size();
  header.manifest_sha256 = Sha256::of(manifest_bytes);
  out.write(encode_header(header));
  out.write(as_bytes(manifest_bytes));
  for (const ByteSource* frame : frames) copy_range(*frame, 0, frame->size(), out);
  return manifest_bytes;
}

std::string make_image(v1::Manifest manifest, const std::vector<std::pair<v1::BlobKind, std::string>>& blobs) {
  std::vector<std::string> frames;
  std::vector<MemorySource> sources;
  manifest.clear_blobs();
  for (const auto& [kind, content] : blobs) {
    BlobDigest digest;
    frames.push_back(encode_blob(as_bytes(content), &digest));
    v1::Blob* blob = manifest.add_blobs();
    blob->set_kind(kind);
    blob->set_size(digest.size);
    blob->set_compressed_size(digest.compressed_size);
    blob->set_sha256(std::string(digest.sha256.begin(), digest.sha256.end()));
  }
  sources.reserve(frames.size());
  std::vector<const ByteSource*> pointers;
  for (const std::string& frame : frames) {
    sources.emplace_back(as_bytes(frame), "blob");
    pointers.push_back(&sources.back());
  }
  StringSink out;
  write_image(std::move(manifest), pointers, out);
  return std::move(out.data);
}

}  // namespace monocell::image
