// libFuzzer target: the image reader on whatever a file can hold. The first byte chooses how
// the rest is read: bit 0 set, the harness first writes the manifest's true sha256 into the
// header (a fuzzer cannot find a sha256 preimage, and the manifest's checks lie behind that
// digest); clear, the bytes are read exactly as they are. Every blob is then read and checked
// (an lz4 frame, a file tree's rules, an ELF's magic). Refusing an input with an ImageError is
// fine; any crash, sanitizer report, hang, or blob content passed on beyond its declared size
// is a bug.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "images/format/file_tree_reader.h"
#include "images/format/image_error.h"
#include "images/format/image_header.h"
#include "images/format/image_reader.h"

using namespace monocell::image;

namespace {

// Counts what a blob's reader passes on, and aborts if it passes more than the manifest allows.
class BoundedSink final : public ByteSink {
 public:
  explicit BoundedSink(uint64_t limit) : limit_(limit) {}
  void write(std::span<const uint8_t> bytes) override {
    received_ += bytes.size();
    if (received_ > limit_) std::abort();
  }

 private:
  uint64_t limit_;
  uint64_t received_ = 0;
};

void sign_manifest(std::string& image) {
  if (image.size() < kHeaderSize) return;
  uint64_t manifest_size;
  std::memcpy(&manifest_size, image.data() + 16, sizeof manifest_size);
  if (manifest_size > image.size() - kHeaderSize) return;
  const Sha256Digest digest = Sha256::of(std::string_view(image).substr(kHeaderSize, manifest_size));
  std::memcpy(image.data() + 24, digest.data(), digest.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 in a manifest string is expected here
    return true;
  }();
  (void)quiet;
  if (size == 0) return 0;
  std::string image(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) sign_manifest(image);
  try {
    MemorySource source(as_bytes(image), "fuzz input");
    ImageReader reader(source);
    for (const BlobLocation& blob : reader.blobs()) {
      BoundedSink sink(blob.digest.size);
      try {
        reader.read_blob(blob, sink);
      } catch (const ImageError&) {
        // One bad blob: the others are still read.
      }
    }
  } catch (const ImageError&) {
  }
  return 0;
}
