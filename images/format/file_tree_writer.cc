// Writing file tree blobs.
#include "images/format/file_tree_writer.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "images/format/file_descriptor.h"
#include "images/format/file_tree_abi.h"
#include "images/format/file_tree_path.h"
#include "images/format/image_error.h"
#include "images/format/image_limits.h"

namespace monocell::image {
namespace {

template <typename T>
void append_pod(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void stream_host_file(const std::string& host_path, uint64_t size, ByteSink& out, uint64_t* done,
                      const std::function<void(uint64_t)>& progress) {
  FileDescriptor fd(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) throw_errno("open", host_path);
  std::vector<uint8_t> chunk(static_cast<size_t>(std::min<uint64_t>(std::max<uint64_t>(size, 1), 1 << 20)));
  uint64_t left = size;
  bool changed = false;
  while (left > 0) {
    const ssize_t n = ::read(fd.get(), chunk.data(), static_cast<size_t>(std::min<uint64_t>(left, chunk.size())));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read", host_path);
    if (n == 0) {
      changed = true;
      break;
    }
    out.write({chunk.data(), static_cast<size_t>(n)});
    left -= static_cast<uint64_t>(n);
    *done += static_cast<uint64_t>(n);
    if (progress) progress(*done);
  }
  char extra;
  if (changed || ::read(fd.get(), &extra, 1) != 0) {
    throw_invalid(host_path + " changed size while the image was built (it had " + std::to_string(size) + " bytes)");
  }
}

}  // namespace

void FileTreeWriter::add(const std::string& path, Entry entry) {
  std::string why;
  if (!valid_tree_path(path, &why)) throw_invalid("cannot put " + entry.origin + " at \"" + path + "\": " + why);
  // Parents first: each must be a directory.
  const std::string_view parent = parent_of(path);
  if (!parent.empty()) {
    auto it = entries_.find(std::string(parent));
    if (it == entries_.end()) {
      add(std::string(parent), Entry{file_tree::kTypeDirectory | 0755, 0, {}, {}, "the parent of " + entry.origin, true});
    } else if ((it->second.mode & file_tree::kTypeMask) != file_tree::kTypeDirectory) {
      throw_invalid("cannot put " + entry.origin + " at \"" + path + "\": \"" + std::string(parent) + "\" is " +
                    it->second.origin + ", not a directory");
    }
  }
  auto [it, inserted] = entries_.try_emplace(path, entry);
  if (inserted) {
    if (entries_.size() > limits::kMaxFiles) {
      throw_invalid("the file tree would hold more than " + std::to_string(limits::kMaxFiles) + " entries");
    }
    return;
  }
  const bool both_directories = (it->second.mode & file_tree::kTypeMask) == file_tree::kTypeDirectory &&
                                (entry.mode & file_tree::kTypeMask) == file_tree::kTypeDirectory;
  if (both_directories && (it->second.implicit || entry.implicit)) {
    if (!entry.implicit) it->second = entry;  // the one asked for gives the mode
    return;
  }
  throw_invalid("\"" + path + "\" is given twice: " + it->second.origin + " and " + entry.origin);
}

void FileTreeWriter::add_directory(const std::string& path, uint32_t permissions) {
  add(path, Entry{file_tree::kTypeDirectory | (permissions & file_tree::kPermissionMask), 0, {}, {},
                  "directory \"" + path + "\"", false});
}

void FileTreeWriter::add_file(const std::string& path, std::string content, uint32_t permissions) {
  const uint64_t size = content.size();
  add(path, Entry{file_tree::kTypeRegular | (permissions & file_tree::kPermissionMask), size, {}, std::move(content),
                  "file \"" + path + "\"", false});
}

void FileTreeWriter::add_host_file(const std::string& path, const std::string& host_path) {
  struct stat st {};
  if (::stat(host_path.c_str(), &st) != 0) throw_errno("stat", host_path);
  if (!S_ISREG(st.st_mode)) throw_invalid(host_path + " is not a regular file");
  add(path, Entry{file_tree::kTypeRegular | (st.st_mode & file_tree::kPermissionMask), static_cast<uint64_t>(st.st_size),
                  host_path, {}, host_path, false});
}

void FileTreeWriter::add_host_directory(const std::string& path, const std::string& host_dir) {
  namespace fs = std::filesystem;
  struct stat st {};
  if (::stat(host_dir.c_str(), &st) != 0) throw_errno("stat", host_dir);
  if (!S_ISDIR(st.st_mode)) throw_invalid(host_dir + " is not a directory");
  if (!path.empty()) add(path, Entry{file_tree::kTypeDirectory | (st.st_mode & 0777), 0, {}, {}, host_dir, false});
  std::error_code ec;
  fs::recursive_directory_iterator it(host_dir, ec), end;
  if (ec) throw ImageError(ImageError::Kind::kIo, "read directory " + host_dir + " failed: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw ImageError(ImageError::Kind::kIo, "read directory " + host_dir + " failed: " + ec.message());
    const fs::path& host = it->path();
    const std::string relative = fs::relative(host, host_dir).generic_string();
    const std::string tree_path = path.empty() ? relative : path + "/" + relative;
    struct stat entry {};
    if (::lstat(host.c_str(), &entry) != 0) throw_errno("lstat", host.string());
    if (S_ISDIR(entry.st_mode)) {
      add(tree_path, Entry{file_tree::kTypeDirectory | (entry.st_mode & 0777), 0, {}, {}, host.string(), false});
    } else if (S_ISREG(entry.st_mode)) {
      add(tree_path, Entry{file_tree::kTypeRegular | (entry.st_mode & 0777), static_cast<uint64_t>(entry.st_size),
                           host.string(), {}, host.string(), false});
    } else {
      throw_invalid(host.string() + " is neither a regular file nor a directory (an image's file tree holds only those)");
    }
  }
}

uint64_t FileTreeWriter::content_size() const {
  uint64_t total = 0;
  for (const auto& [path, entry] : entries_) total += entry.size;
  return total;
}

void FileTreeWriter::write(ByteSink& out, const std::function<void(uint64_t)>& progress) const {
  std::string table;
  std::string names;
  uint64_t data_size = 0;
  for (const auto& [path, entry] : entries_) {
    file_tree::Entry record{};
    record.name_offset = static_cast<uint32_t>(names.size());
    record.name_size = static_cast<uint32_t>(path.size());
    record.mode = entry.mode;
    record.data_offset = (entry.mode & file_tree::kTypeMask) == file_tree::kTypeRegular ? data_size : 0;
    record.size = entry.size;
    append_pod(table, record);
    names += path;
    data_size += entry.size;
    if (names.size() > limits::kMaxFileTreeNamesSize) {
      throw_invalid("the file tree's paths take more than " + std::to_string(limits::kMaxFileTreeNamesSize) + " bytes");
    }
  }
  if (data_size > limits::kMaxBlobSize) {
    throw_invalid("the file tree's files hold " + std::to_string(data_size) + " bytes, more than " +
                  std::to_string(limits::kMaxBlobSize));
  }
  file_tree::Header header{};
  std::memcpy(header.magic, file_tree::kMagic, sizeof header.magic);
  header.version = file_tree::kVersion;
  header.entry_count = static_cast<uint32_t>(entries_.size());
  header.names_size = names.size();
  header.data_size = data_size;
  std::string head;
  append_pod(head, header);
  out.write(as_bytes(head));
  out.write(as_bytes(table));
  out.write(as_bytes(names));
  uint64_t done = 0;
  for (const auto& [path, entry] : entries_) {
    if ((entry.mode & file_tree::kTypeMask) != file_tree::kTypeRegular) continue;
    if (entry.host_path.empty()) {
      out.write(as_bytes(entry.content));
      done += entry.content.size();
      if (progress) progress(done);
    } else {
      stream_host_file(entry.host_path, entry.size, out, &done, progress);
    }
  }
}

}  // namespace monocell::image
