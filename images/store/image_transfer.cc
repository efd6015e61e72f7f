// image save and image load.
#include "images/store/image_transfer.h"

#include <vector>

#include "images/format/image_error.h"
#include "images/format/image_header.h"
#include "images/format/image_reader.h"

namespace monocell::image {

void save_image(const ImageStore& store, const StoredImage& image, ByteSink& out, const Progress& progress) {
  ImageHeader header;
  header.manifest_size = image.manifest_bytes.size();
  header.manifest_sha256 = image.id;
  ProgressSink counted(out, progress, "saving " + image_id_text(image.id).substr(0, 19), image.file_size());
  counted.write(encode_header(header));
  counted.write(as_bytes(image.manifest_bytes));
  for (const BlobLocation& blob : image.blobs) {
    const FileSource frame = store.open_blob(blob);
    const std::string what = "stored " + describe_blob(image_id_text(image.id), blob) + " (" + frame.name() + ")";
    NullSink nothing;
    BlobContentChecker content(blob.kind, nothing, what);
    decode_blob(frame, 0, blob.digest, content, what, &counted);
    content.finish();
  }
}

LoadedImage load_image(const ImageStore& store, const ByteSource& file, const std::optional<ImageReference>& reference,
                       const Progress& progress) {
  const ImageReader reader(file);
  LoadedImage loaded;
  loaded.reference = reference ? *reference : ImageReference{reader.manifest().name(), reader.manifest().tag()};
  NullSink nothing;
  uint64_t done = 0;
  std::vector<AtomicFile> staged;
  for (const BlobLocation& blob : reader.blobs()) {
    staged.push_back(store.temp_file());
    ProgressSink counted(staged.back().sink(), progress, "loading " + file.name(), file.size(), done);
    reader.read_blob(blob, nothing, &counted);
    done = counted.done();
  }
  // Every blob checked: now the image becomes visible, blobs first, the reference last.
  for (size_t i = 0; i < staged.size(); ++i) store.commit_blob(staged[i], reader.blobs()[i].digest);
  loaded.id = store.put_manifest(reader.manifest_bytes());
  store.set_reference(loaded.reference, loaded.id);
  return loaded;
}

}  // namespace monocell::image
