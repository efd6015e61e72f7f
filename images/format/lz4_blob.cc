// lz4 frames for blobs, through lz4's streaming frame API (LZ4F_*).
#include "images/format/lz4_blob.h"

#include <algorithm>

#include "images/format/image_error.h"

namespace monocell::image {
namespace {

constexpr size_t kInputChunk = 256 << 10;

std::string lz4_error(size_t code) { return LZ4F_getErrorName(code); }

}  // namespace

BlobEncoder::BlobEncoder(ByteSink& out, int level) : out_(out) {
  const size_t rc = LZ4F_createCompressionContext(&context_, LZ4F_VERSION);
  if (LZ4F_isError(rc)) throw ImageError(ImageError::Kind::kIo, "LZ4F_createCompressionContext failed: " + lz4_error(rc));
  // 64 KiB blocks, linked: lz4 matches reach back 64 KiB at most, so larger blocks compress no
  // better (0.04% on a guest image), while a reader's buffers, and the fresh pages it touches,
  // grow with them (a page fault costs tens of microseconds on nested KVM).
  preferences_.frameInfo.blockSizeID = LZ4F_max64KB;
  preferences_.frameInfo.blockMode = LZ4F_blockLinked;
  // A checksum per block: a flipped bit anywhere in a frame is caught, even one lz4's
  // decoder would never read (the sha256 covers only what the frame decompresses to).
  preferences_.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  preferences_.compressionLevel = level;
  preferences_.autoFlush = 0;
  buffer_.resize(std::max(LZ4F_compressBound(kInputChunk, &preferences_), size_t{LZ4F_HEADER_SIZE_MAX}));
}

BlobEncoder::~BlobEncoder() { LZ4F_freeCompressionContext(context_); }

void BlobEncoder::emit(size_t bytes) {
  if (bytes == 0) return;
  out_.write({buffer_.data(), bytes});
  digest_.compressed_size += bytes;
}

void BlobEncoder::write(std::span<const uint8_t> bytes) {
  if (!started_) {
    const size_t n = LZ4F_compressBegin(context_, buffer_.data(), buffer_.size(), &preferences_);
    if (LZ4F_isError(n)) throw ImageError(ImageError::Kind::kIo, "LZ4F_compressBegin failed: " + lz4_error(n));
    emit(n);
    started_ = true;
  }
  hash_.update(bytes);
  digest_.size += bytes.size();
  while (!bytes.empty()) {
    const size_t take = std::min(bytes.size(), kInputChunk);
    const size_t n = LZ4F_compressUpdate(context_, buffer_.data(), buffer_.size(), bytes.data(), take, nullptr);
    if (LZ4F_isError(n)) throw ImageError(ImageError::Kind::kIo, "LZ4F_compressUpdate failed: " + lz4_error(n));
    emit(n);
    bytes = bytes.subspan(take);
  }
}

BlobDigest BlobEncoder::finish() {
  if (!started_) write({});
  const size_t n = LZ4F_compressEnd(context_, buffer_.data(), buffer_.size(), nullptr);
  if (LZ4F_isError(n)) throw ImageError(ImageError::Kind::kIo, "LZ4F_compressEnd failed: " + lz4_error(n));
  emit(n);
  digest_.sha256 = hash_.finish();
  return digest_;
}

BlobDecoder::BlobDecoder(const BlobDigest& expected, ByteSink& out, std::string what)
    : expected_(expected),
      out_(out),
      what_(std::move(what)),
      // Room for a few whole blocks lets lz4 decode straight into the buffer, without a copy;
      // reused for every piece, it stays in the same few pages.
      buffer_(static_cast<size_t>(std::clamp<uint64_t>(expected.size, 4 << 10, 256 << 10))) {
  const size_t rc = LZ4F_createDecompressionContext(&context_, LZ4F_VERSION);
  if (LZ4F_isError(rc)) {
    throw ImageError(ImageError::Kind::kIo, "LZ4F_createDecompressionContext failed: " + lz4_error(rc));
  }
}

BlobDecoder::~BlobDecoder() { LZ4F_freeDecompressionContext(context_); }

void BlobDecoder::feed(std::span<const uint8_t> compressed) {
  while (!compressed.empty()) {
    if (frame_ended_) {
      throw_corrupt(what_ + ": " + std::to_string(expected_.compressed_size - consumed_) +
                    " bytes follow the end of its lz4 frame");
    }
    size_t out_size = buffer_.size();
    size_t in_size = compressed.size();
    const size_t hint = LZ4F_decompress(context_, buffer_.data(), &out_size, compressed.data(), &in_size, nullptr);
    if (LZ4F_isError(hint)) {
      throw_corrupt(what_ + ": bad lz4 frame at compressed byte " + std::to_string(consumed_) + ": " + lz4_error(hint));
    }
    consumed_ += in_size;
    compressed = compressed.subspan(in_size);
    if (out_size > expected_.size - produced_) {
      throw_corrupt(what_ + ": decompresses to more than the " + std::to_string(expected_.size) +
                    " bytes the manifest gives");
    }
    if (out_size > 0) {
      const std::span<const uint8_t> chunk(buffer_.data(), out_size);
      hash_.update(chunk);
      out_.write(chunk);
      produced_ += out_size;
    }
    if (hint == 0) frame_ended_ = true;
    // Neither input taken nor output made: lz4 needs more input than this call had.
    if (in_size == 0 && out_size == 0) break;
  }
}

void BlobDecoder::finish() {
  if (!frame_ended_) {
    throw_corrupt(what_ + ": its lz4 frame is truncated (it ends after " + std::to_string(consumed_) +
                  " compressed bytes without an end mark)");
  }
  if (produced_ != expected_.size) {
    throw_corrupt(what_ + ": decompresses to " + std::to_string(produced_) + " bytes, the manifest gives " +
                  std::to_string(expected_.size));
  }
  if (hash_.finish() != expected_.sha256) {
    throw_corrupt(what_ + ": its content's sha256 is not the manifest's " + to_hex(expected_.sha256));
  }
}

void decode_blob(const ByteSource& source, uint64_t offset, const BlobDigest& expected, ByteSink& out,
                 const std::string& what, ByteSink* compressed_copy) {
  BlobDecoder decoder(expected, out, what);
  std::vector<uint8_t> chunk(std::min<uint64_t>(expected.compressed_size, kInputChunk));
  uint64_t left = expected.compressed_size;
  while (left > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
    source.read_at(offset, {chunk.data(), n});
    if (compressed_copy != nullptr) compressed_copy->write({chunk.data(), n});
    decoder.feed({chunk.data(), n});
    offset += n;
    left -= n;
  }
  decoder.finish();
}

std::string encode_blob(std::span<const uint8_t> bytes, BlobDigest* digest, int level) {
  StringSink sink;
  BlobEncoder encoder(sink, level);
  encoder.write(bytes);
  *digest = encoder.finish();
  return std::move(sink.data);
}

}  // namespace monocell::image
