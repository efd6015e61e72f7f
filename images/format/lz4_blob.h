// A blob's bytes as one lz4 frame: an encoder that compresses a stream while it hashes it, and a
// decoder that decompresses a stream from an untrusted file while it checks the frame, the
// size and the sha256 the manifest promised.
#pragma once

#include <lz4frame.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "images/format/byte_stream.h"
#include "images/format/sha256.h"

namespace monocell::image {

// What the manifest records of a blob's content.
struct BlobDigest {
  uint64_t size = 0;  // decompressed
  uint64_t compressed_size = 0;
  Sha256Digest sha256{};
};

// Compresses what it is given into one lz4 frame written to `out`.
class BlobEncoder final : public ByteSink {
 public:
  // `level`: lz4's compression level (0..12; 9 and up is lz4-HC: slower to build, as fast to read).
  explicit BlobEncoder(ByteSink& out, int level = 9);
  ~BlobEncoder() override;
  BlobEncoder(const BlobEncoder&) = delete;
  BlobEncoder& operator=(const BlobEncoder&) = delete;

  void write(std::span<const uint8_t> bytes) override;
  // Ends the frame; the encoder takes no more bytes afterwards.
  BlobDigest finish();

 private:
  void emit(size_t bytes);

  ByteSink& out_;
  LZ4F_cctx* context_ = nullptr;
  LZ4F_preferences_t preferences_{};
  std::vector<uint8_t> buffer_;
  Sha256 hash_;
  BlobDigest digest_;
  bool started_ = false;
};

// Decompresses one lz4 frame fed in pieces into `out`. `out` never receives more than
// `expected.size` bytes; the content must not be trusted until finish() has returned.
class BlobDecoder {
 public:
  BlobDecoder(const BlobDigest& expected, ByteSink& out, std::string what);
  ~BlobDecoder();
  BlobDecoder(const BlobDecoder&) = delete;
  BlobDecoder& operator=(const BlobDecoder&) = delete;

  void feed(std::span<const uint8_t> compressed);
  // Checks that the frame ended exactly at the last byte fed, the size, and the sha256.
  void finish();

 private:
  BlobDigest expected_;
  ByteSink& out_;
  std::string what_;
  LZ4F_dctx* context_ = nullptr;
  std::vector<uint8_t> buffer_;
  Sha256 hash_;
  uint64_t produced_ = 0;
  uint64_t consumed_ = 0;
  bool frame_ended_ = false;
};

// Decodes the frame at [offset, offset + expected.compressed_size) of `source` into `out`,
// checked as BlobDecoder does. When `compressed_copy` is given, the frame's bytes go there too.
void decode_blob(const ByteSource& source, uint64_t offset, const BlobDigest& expected, ByteSink& out,
                 const std::string& what, ByteSink* compressed_copy = nullptr);

// Compresses `bytes` into a frame in memory (tests, seeds, small blobs).
std::string encode_blob(std::span<const uint8_t> bytes, BlobDigest* digest, int level = 9);

}  // namespace monocell::image
