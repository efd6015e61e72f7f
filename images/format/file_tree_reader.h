// Reads a file tree blob (file_tree_abi.h) as it streams past, checking every rule before it
// believes a field: the header's bounds, each entry's path, order, parent, mode and data
// range, and that the blob ends exactly where the tree does.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "images/format/byte_stream.h"

namespace monocell::image {

struct FileTreeEntry {
  std::string path;  // relative to the guest's root
  uint32_t mode = 0;  // file_tree::kTypeDirectory or kTypeRegular | permissions
  uint64_t size = 0;
  uint64_t data_offset = 0;  // into the data area
  bool is_directory() const;
};

class FileTreeReader final : public ByteSink {
 public:
  // `on_table` hears the checked entries once the table is read; `on_data` hears each regular
  // file's content in order, in pieces (not for empty files).
  using TableHandler = std::function<void(const std::vector<FileTreeEntry>&)>;
  using DataHandler = std::function<void(const FileTreeEntry&, std::span<const uint8_t>)>;
  explicit FileTreeReader(std::string what, TableHandler on_table = {}, DataHandler on_data = {});

  // Throws ImageError(kCorrupt) naming `what`, the entry and the rule broken.
  void write(std::span<const uint8_t> bytes) override;
  // Throws unless the whole tree has arrived.
  void finish() const;

  const std::vector<FileTreeEntry>& entries() const { return entries_; }

 private:
  enum class Phase { kHeader, kTable, kData, kDone };
  void read_header();
  void read_table();
  void take_data(std::span<const uint8_t> bytes);

  std::string what_;
  TableHandler on_table_;
  DataHandler on_data_;
  Phase phase_ = Phase::kHeader;
  std::vector<uint8_t> pending_;  // header or table bytes gathered so far
  uint64_t pending_target_ = 0;
  uint32_t entry_count_ = 0;
  uint64_t names_size_ = 0;
  uint64_t data_size_ = 0;
  std::vector<FileTreeEntry> entries_;
  std::vector<size_t> files_;  // indices of regular files with content, in data order
  size_t next_file_ = 0;
  uint64_t data_done_ = 0;  // data bytes received
};

// Parses a whole tree held in memory (tests, small trees).
std::vector<FileTreeEntry> read_file_tree(std::span<const uint8_t> blob, const std::string& what,
                                          const FileTreeReader::DataHandler& on_data = {});

}  // namespace monocell::image
