// Checking and reading file tree blobs.
#include "images/format/file_tree_reader.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "images/format/file_tree_abi.h"
#include "images/format/file_tree_path.h"
#include "images/format/image_error.h"
#include "images/format/image_limits.h"

namespace monocell::image {

bool FileTreeEntry::is_directory() const { return (mode & file_tree::kTypeMask) == file_tree::kTypeDirectory; }

FileTreeReader::FileTreeReader(std::string what, TableHandler on_table, DataHandler on_data)
    : what_(std::move(what)), on_table_(std::move(on_table)), on_data_(std::move(on_data)) {
  pending_target_ = sizeof(file_tree::Header);
}

void FileTreeReader::write(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    if (phase_ == Phase::kHeader || phase_ == Phase::kTable) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(bytes.size(), pending_target_ - pending_.size()));
      pending_.insert(pending_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      if (pending_.size() < pending_target_) return;
      if (phase_ == Phase::kHeader) {
        read_header();
      } else {
        read_table();
      }
    } else if (phase_ == Phase::kData) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(bytes.size(), data_size_ - data_done_));
      take_data(bytes.first(take));
      bytes = bytes.subspan(take);
    } else {
      throw_corrupt(what_ + ": " + std::to_string(bytes.size()) + " bytes follow the end of the file tree");
    }
  }
}

void FileTreeReader::read_header() {
  file_tree::Header header;
  std::memcpy(&header, pending_.data(), sizeof header);
  if (std::memcmp(header.magic, file_tree::kMagic, sizeof header.magic) != 0) {
    throw_corrupt(what_ + ": not a file tree (its first bytes are not \"MONOTREE\")");
  }
  if (header.version != file_tree::kVersion) {
    throw_corrupt(what_ + ": file tree version " + std::to_string(header.version) + " is not supported (expected " +
                  std::to_string(file_tree::kVersion) + ")");
  }
  if (header.entry_count > limits::kMaxFiles) {
    throw_corrupt(what_ + ": " + std::to_string(header.entry_count) + " entries, more than " +
                  std::to_string(limits::kMaxFiles));
  }
  const uint64_t most_names = std::min<uint64_t>(limits::kMaxFileTreeNamesSize, uint64_t{header.entry_count} * limits::kMaxPathSize);
  if (header.names_size > most_names || header.names_size < header.entry_count) {
    throw_corrupt(what_ + ": its paths take " + std::to_string(header.names_size) + " bytes, expected " +
                  std::to_string(header.entry_count) + ".." + std::to_string(most_names) + " for " +
                  std::to_string(header.entry_count) + " entries");
  }
  if (header.data_size > limits::kMaxBlobSize) {
    throw_corrupt(what_ + ": its files hold " + std::to_string(header.data_size) + " bytes, more than " +
                  std::to_string(limits::kMaxBlobSize));
  }
  entry_count_ = header.entry_count;
  names_size_ = header.names_size;
  data_size_ = header.data_size;
  pending_.clear();
  pending_target_ = uint64_t{entry_count_} * sizeof(file_tree::Entry) + names_size_;
  phase_ = Phase::kTable;
  if (pending_target_ == 0) read_table();
}

void FileTreeReader::read_table() {
  const uint8_t* names = pending_.data() + uint64_t{entry_count_} * sizeof(file_tree::Entry);
  std::unordered_set<std::string_view> directories;
  entries_.reserve(entry_count_);
  uint64_t name_at = 0;
  uint64_t data_at = 0;
  for (uint32_t i = 0; i < entry_count_; ++i) {
    file_tree::Entry record;
    std::memcpy(&record, pending_.data() + uint64_t{i} * sizeof record, sizeof record);
    const std::string entry = what_ + ": entry " + std::to_string(i);
    if (record.reserved != 0) throw_corrupt(entry + ": reserved field is not zero");
    if (record.name_offset != name_at) {
      throw_corrupt(entry + ": path offset " + std::to_string(record.name_offset) + ", expected " + std::to_string(name_at));
    }
    if (record.name_size == 0 || record.name_size > names_size_ - name_at) {
      throw_corrupt(entry + ": path size " + std::to_string(record.name_size) + " does not fit in the " +
                    std::to_string(names_size_ - name_at) + " bytes of paths left");
    }
    FileTreeEntry parsed;
    parsed.path.assign(reinterpret_cast<const char*>(names + name_at), record.name_size);
    name_at += record.name_size;
    const std::string named = entry + " (\"" + parsed.path + "\")";
    std::string why;
    if (!valid_tree_path(parsed.path, &why)) throw_corrupt(entry + ": " + why);
    if (!entries_.empty() && !(entries_.back().path < parsed.path)) {
      throw_corrupt(named + ": not after \"" + entries_.back().path + "\" (entries are sorted, each path once)");
    }
    const std::string_view parent = parent_of(parsed.path);
    if (!parent.empty() && !directories.contains(parent)) {
      throw_corrupt(named + ": its parent \"" + std::string(parent) + "\" is not a directory before it");
    }
    const uint32_t type = record.mode & file_tree::kTypeMask;
    if ((type != file_tree::kTypeDirectory && type != file_tree::kTypeRegular) ||
        (record.mode & ~(file_tree::kTypeMask | file_tree::kPermissionMask)) != 0) {
      char octal[16];
      std::snprintf(octal, sizeof octal, "%o", record.mode);
      throw_corrupt(named + ": mode " + octal + " is neither a directory nor a regular file with permissions 0777 at most");
    }
    parsed.mode = record.mode;
    if (type == file_tree::kTypeDirectory) {
      if (record.size != 0 || record.data_offset != 0) throw_corrupt(named + ": a directory with data");
    } else {
      if (record.data_offset != data_at) {
        throw_corrupt(named + ": data offset " + std::to_string(record.data_offset) + ", expected " + std::to_string(data_at));
      }
      if (record.size > data_size_ - data_at) {
        throw_corrupt(named + ": size " + std::to_string(record.size) + " runs past the data area (" +
                      std::to_string(data_size_ - data_at) + " bytes left)");
      }
      parsed.size = record.size;
      parsed.data_offset = record.data_offset;
      data_at += record.size;
    }
    entries_.push_back(std::move(parsed));
    // The view stays valid: entries_ was reserved and never reallocates.
    if (type == file_tree::kTypeDirectory) directories.insert(entries_.back().path);
    if (type == file_tree::kTypeRegular && record.size > 0) files_.push_back(i);
  }
  if (name_at != names_size_) {
    throw_corrupt(what_ + ": " + std::to_string(names_size_ - name_at) + " bytes of the paths area belong to no entry");
  }
  if (data_at != data_size_) {
    throw_corrupt(what_ + ": " + std::to_string(data_size_ - data_at) + " bytes of the data area belong to no file");
  }
  pending_.clear();
  pending_.shrink_to_fit();
  phase_ = data_size_ == 0 ? Phase::kDone : Phase::kData;
  if (on_table_) on_table_(entries_);
}

void FileTreeReader::take_data(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const FileTreeEntry& file = entries_[files_[next_file_]];
    const uint64_t file_done = data_done_ - file.data_offset;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(bytes.size(), file.size - file_done));
    if (on_data_) on_data_(file, bytes.first(take));
    bytes = bytes.subspan(take);
    data_done_ += take;
    if (data_done_ == file.data_offset + file.size) ++next_file_;
  }
  if (data_done_ == data_size_) phase_ = Phase::kDone;
}

void FileTreeReader::finish() const {
  if (phase_ != Phase::kDone) {
    throw_corrupt(what_ + ": the file tree is truncated (it ends in its " +
                  (phase_ == Phase::kHeader ? std::string("header") : phase_ == Phase::kTable ? "table" : "data") + ")");
  }
}

std::vector<FileTreeEntry> read_file_tree(std::span<const uint8_t> blob, const std::string& what,
                                          const FileTreeReader::DataHandler& on_data) {
  FileTreeReader reader(what, {}, on_data);
  reader.write(blob);
  reader.finish();
  return reader.entries();
}

}  // namespace monocell::image
