// Tests for images/format/lz4_blob.h: blobs through lz4 frames and back, and every way a frame
// from a hostile file can be wrong; big blobs stream in bounded pieces.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "images/format/lz4_blob.h"
#include "tests/unit/image_test_support.h"

using namespace monocell::image;
using namespace monocell::image::testing;

namespace {

std::string decode(const std::string& frame, const BlobDigest& digest) {
  MemorySource source(as_bytes(frame), "frame");
  StringSink out;
  decode_blob(source, 0, digest, out, "test blob");
  return out.data;
}

void require_decode_corrupt(const std::string& frame, const BlobDigest& digest, const std::string& needle) {
  std::string message;
  const auto kind = error_kind_of([&] { decode(frame, digest); }, &message);
  INFO(message);
  REQUIRE(kind == ImageError::Kind::kCorrupt);
  REQUIRE(message.find("test blob") != std::string::npos);
  REQUIRE(message.find(needle) != std::string::npos);
}

// Records how a source is read: the largest single read and the bytes read in all.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(const ByteSource& inner) : inner_(inner) {}
  uint64_t size() const override { return inner_.size(); }
  void read_at(uint64_t offset, std::span<uint8_t> out) const override {
    largest = std::max<uint64_t>(largest, out.size());
    total += out.size();
    inner_.read_at(offset, out);
  }
  const std::string& name() const override { return inner_.name(); }
  mutable uint64_t largest = 0;
  mutable uint64_t total = 0;

 private:
  const ByteSource& inner_;
};

// Hashes what it gets and remembers the largest piece.
class HashingSink final : public ByteSink {
 public:
  void write(std::span<const uint8_t> bytes) override {
    hash.update(bytes);
    largest = std::max<uint64_t>(largest, bytes.size());
    total += bytes.size();
  }
  Sha256 hash;
  uint64_t largest = 0;
  uint64_t total = 0;
};

}  // namespace

TEST_CASE("blobs of every size go through an lz4 frame and back unchanged") {
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{65536}, size_t{(4u << 20) + 1}}) {
    const std::string content = size > 100000 ? fake_elf(size) : random_bytes(size, 3);
    BlobDigest digest;
    const std::string frame = encode_blob(as_bytes(content), &digest);
    INFO("size " << size);
    CHECK(digest.size == size);
    CHECK(digest.compressed_size == frame.size());
    CHECK(digest.sha256 == Sha256::of(content));
    CHECK(decode(frame, digest) == content);
  }
}

TEST_CASE("a frame is also what the lz4 command line reads") {
  const std::string content = fake_elf(300000);
  BlobDigest digest;
  const std::string frame = encode_blob(as_bytes(content), &digest);
  char path[] = "/tmp/monocell-frame-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size()));
  close(fd);
  const std::string command = std::string("lz4 -d -c ") + path + " | sha256sum";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char line[128] = {};
  REQUIRE(fgets(line, sizeof line, pipe) != nullptr);
  pclose(pipe);
  unlink(path);
  CHECK(std::string(line).substr(0, 64) == to_hex(digest.sha256));
}

TEST_CASE("a blob whose content is not what the manifest says is refused") {
  const std::string content = random_bytes(10000, 5);
  BlobDigest digest;
  const std::string frame = encode_blob(as_bytes(content), &digest);

  SECTION("another sha256") {
    BlobDigest wrong = digest;
    wrong.sha256[7] ^= 1;
    require_decode_corrupt(frame, wrong, "sha256");
  }
  SECTION("fewer bytes than it decompresses to: stops before passing the bound") {
    BlobDigest wrong = digest;
    wrong.size -= 1;
    std::string message;
    StringSink out;
    MemorySource source(as_bytes(frame), "frame");
    error_kind_of([&] { decode_blob(source, 0, wrong, out, "test blob"); }, &message);
    CHECK(message.find("more than the 9999 bytes") != std::string::npos);
    CHECK(out.data.size() <= wrong.size);
  }
  SECTION("more bytes than it decompresses to") {
    BlobDigest wrong = digest;
    wrong.size += 1;
    require_decode_corrupt(frame, wrong, "decompresses to 10000 bytes");
  }
}

TEST_CASE("a bad lz4 frame is refused: truncated, extended, garbage, or any byte flipped") {
  const std::string content = fake_elf(20000);
  BlobDigest digest;
  const std::string frame = encode_blob(as_bytes(content), &digest);

  SECTION("truncated at every length") {
    for (size_t length = 0; length < frame.size(); ++length) {
      BlobDigest shorter = digest;
      shorter.compressed_size = length;
      std::string message;
      INFO("length " << length);
      CHECK(error_kind_of([&] { decode(frame.substr(0, length), shorter); }, &message) == ImageError::Kind::kCorrupt);
    }
  }
  SECTION("bytes after the frame's end") {
    BlobDigest longer = digest;
    longer.compressed_size += 3;
    require_decode_corrupt(frame + "abc", longer, "follow the end of its lz4 frame");
  }
  SECTION("garbage") {
    require_decode_corrupt(random_bytes(frame.size(), 9), digest, "bad lz4 frame");
  }
  SECTION("each byte flipped") {
    for (size_t at = 0; at < frame.size(); ++at) {
      std::string flipped = frame;
      flipped[at] = static_cast<char>(flipped[at] ^ 0x20);
      std::string message;
      INFO("byte " << at);
      CHECK(error_kind_of([&] { decode(flipped, digest); }, &message) == ImageError::Kind::kCorrupt);
    }
  }
}

TEST_CASE("a big blob streams: read once, in bounded pieces, never held whole") {
  constexpr size_t kSize = 48u << 20;
  char path[] = "/tmp/monocell-big-blob-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  unlink(path);
  FileSink file(fd, "big blob file");
  BlobEncoder encoder(file, 1);
  Sha256 expected;
  std::string chunk = random_bytes(1 << 20, 11);
  for (size_t i = 0; i < kSize / chunk.size(); ++i) {
    chunk[0] = static_cast<char>(i);  // no two chunks alike
    encoder.write(as_bytes(chunk));
    expected.update(chunk);
  }
  const BlobDigest digest = encoder.finish();
  REQUIRE(digest.size == kSize);
  CHECK(digest.sha256 == expected.finish());

  FileSource source(FileDescriptor(fd), "big blob file");
  CountingSource counted(source);
  HashingSink sink;
  decode_blob(counted, 0, digest, sink, "big blob");
  CHECK(counted.total == digest.compressed_size);
  CHECK(counted.largest <= (256u << 10));
  CHECK(sink.total == kSize);
  CHECK(sink.largest <= (4u << 20));
  CHECK(sink.hash.finish() == digest.sha256);
}
