// Where image bytes come from and go to: a random-access source (a file, or memory) and a
// sink fed in order. Both throw ImageError naming the object on failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "images/format/file_descriptor.h"

namespace monocell::image {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Fills `out` from `offset`; the range must lie within size(). A short read is an error.
  virtual void read_at(uint64_t offset, std::span<uint8_t> out) const = 0;
  // Names the source in messages: a path, "fuzz input".
  virtual const std::string& name() const = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(std::span<const uint8_t> bytes) = 0;
};

// A regular file, read with pread: the file's size is taken once, when it is opened.
class FileSource final : public ByteSource {
 public:
  // Opens `path` read-only (kNotFound if it does not exist; a non-regular file is refused).
  static FileSource open(const std::string& path);
  FileSource(FileDescriptor fd, std::string name);

  uint64_t size() const override { return size_; }
  void read_at(uint64_t offset, std::span<uint8_t> out) const override;
  const std::string& name() const override { return name_; }
  int fd() const { return fd_.get(); }

 private:
  FileDescriptor fd_;
  std::string name_;
  uint64_t size_ = 0;
};

// Bytes in memory, not owned.
class MemorySource final : public ByteSource {
 public:
  MemorySource(std::span<const uint8_t> bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}
  uint64_t size() const override { return bytes_.size(); }
  void read_at(uint64_t offset, std::span<uint8_t> out) const override;
  const std::string& name() const override { return name_; }

 private:
  std::span<const uint8_t> bytes_;
  std::string name_;
};

// Appends to a file descriptor (not owned), retrying short writes.
class FileSink final : public ByteSink {
 public:
  FileSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  void write(std::span<const uint8_t> bytes) override;
  uint64_t written() const { return written_; }

 private:
  int fd_;
  std::string name_;
  uint64_t written_ = 0;
};

// Appends to a string (tests, small blobs).
class StringSink final : public ByteSink {
 public:
  void write(std::span<const uint8_t> bytes) override { data.append(reinterpret_cast<const char*>(bytes.data()), bytes.size()); }
  std::string data;
};

// Discards everything (a blob decoded only to be checked).
class NullSink final : public ByteSink {
 public:
  void write(std::span<const uint8_t>) override {}
};

// Writes every chunk to two sinks in turn.
class TeeSink final : public ByteSink {
 public:
  TeeSink(ByteSink& first, ByteSink& second) : first_(first), second_(second) {}
  void write(std::span<const uint8_t> bytes) override {
    first_.write(bytes);
    second_.write(bytes);
  }

 private:
  ByteSink& first_;
  ByteSink& second_;
};

// Copies [offset, offset + size) of `source` into `sink` in bounded chunks.
void copy_range(const ByteSource& source, uint64_t offset, uint64_t size, ByteSink& sink);

inline std::span<const uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace monocell::image
