// Builds a file tree blob (file_tree_abi.h) from files on the host and bytes in memory: the
// table is laid out first from the sizes known up front, then each file's content is streamed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "images/format/byte_stream.h"

namespace monocell::image {

class FileTreeWriter {
 public:
  // Each add_* takes a tree path as file_tree_path.h allows; a path given twice, or a file
  // where a directory is needed, throws ImageError(kInvalidInput) naming both. Missing parent
  // directories are added with mode 0755.
  void add_directory(const std::string& path, uint32_t permissions = 0755);
  void add_file(const std::string& path, std::string content, uint32_t permissions = 0644);
  // A host file, read when the tree is written; its size and permissions are taken now.
  void add_host_file(const std::string& path, const std::string& host_path);
  // Everything under the host directory `host_dir` (regular files and directories; anything
  // else throws), below `path` ("" for the root).
  void add_host_directory(const std::string& path, const std::string& host_dir);

  size_t entry_count() const { return entries_.size(); }
  uint64_t content_size() const;  // bytes of file content in all

  // Writes the blob's content. `progress` (if set) hears the content bytes written so far.
  // A host file whose size changed since it was added throws ImageError(kInvalidInput).
  void write(ByteSink& out, const std::function<void(uint64_t)>& progress = {}) const;

 private:
  struct Entry {
    uint32_t mode = 0;
    uint64_t size = 0;
    std::string host_path;  // a regular file read from the host, or
    std::string content;  // its content here
    std::string origin;  // where it came from, for messages
    bool implicit = false;  // a parent directory nobody asked for
  };
  void add(const std::string& path, Entry entry);

  std::map<std::string, Entry> entries_;  // ordered bytewise, as the tree requires
};

}  // namespace monocell::image
