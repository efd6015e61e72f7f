// The guest's file nodes in memory: directories, regular files whose bytes live in pages of
// their own, symlinks and character devices, each belonging to one file system (its device
// number, whether it is read-only, how many pages it may hold). Names and paths are vfs.h's.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace monocell::libos::vfs {

constexpr uint32_t kNameMax = 255;
constexpr uint64_t kPageSize = 4096;
// A file's pages hang off two levels of page-sized pointer arrays: 512 * 512 pages, 1 GiB.
constexpr uint64_t kPointersPerPage = kPageSize / sizeof(void*);
constexpr uint64_t kMaxFileSize = kPointersPerPage * kPointersPerPage * kPageSize;

enum class NodeKind : uint8_t { kDirectory, kFile, kSymlink, kDevice };
enum class Device : uint8_t { kNone, kNull, kZero, kRandom, kURandom };

// Where the nodes' memory comes from: the libOS's page pool in the guest, the heap in host
// tests. take() returns a zeroed 4 KiB page or null. Pages are never given back: what a file
// lets go of waits on tmpfs's own free list for the next one.
struct PageSource {
  void* (*take)();
};

struct Node;

struct FileSystem {
  uint32_t dev;  // st_dev
  bool read_only;
  uint64_t page_limit;  // data and index pages this file system may hold: ENOSPC beyond
  uint64_t pages_used;
  Node* root;
};

struct Node {
  NodeKind kind;
  Device device;  // kDevice only
  bool linked;  // still has a name in its directory
  FileSystem* fs;
  uint64_t ino;
  uint32_t mode;  // permission bits (07777)
  uint32_t open_refs;  // open files, working directories and walks in progress that hold it
  uint64_t size;  // file: bytes; symlink: target length; directory: entries
  uint64_t atime_ns, mtime_ns, ctime_ns;

  // Directory structure: the entries of a directory in the order they were made, each with a
  // cookie (its position for getdents64) that stays valid while others come and go.
  Node* parent;
  Node* first_child;
  Node* last_child;
  Node* next_sibling;
  Node* prev_sibling;
  uint64_t cookie;
  uint64_t next_cookie;
  uint32_t subdirectories;

  // File and symlink bytes: a page of pointers to pages of pointers to data pages; a missing
  // page reads as zeros (a hole).
  void** page_index;
  uint64_t pages;  // data pages held
  // A file of the image's tree (read-only): its `size` bytes are here, not in pages.
  const unsigned char* backing;

  char name[kNameMax + 1];
};

// Sets where pages come from and the clock that stamps times; call once before anything else.
void nodes_init(PageSource source, uint64_t (*now_ns)());
uint64_t now_ns();

// A new node, unnamed and unlinked, or null when memory ran out.
Node* node_create(FileSystem* fs, NodeKind kind, uint32_t mode);
// Holds and releases a node: it is freed once it has no name and no holder.
void node_hold(Node* node);
void node_release(Node* node);

// Directory entries. `name` is `length` bytes, not NUL-terminated.
Node* dir_find(const Node* dir, const char* name, size_t length);
// Gives `child` the name and links it at the end of `dir`; the name must fit.
void dir_link(Node* dir, Node* child, const char* name, size_t length);
// Takes `child` out of its directory (it stays alive while held).
void dir_unlink(Node* child);
// The entry after cookie `after` (0: the first), or null at the end.
Node* dir_next(const Node* dir, uint64_t after);

// File bytes. Reads stop at the end of the file; writes grow it and fail with -ENOSPC (nothing
// written) or return fewer bytes when pages run out part way, -EFBIG past kMaxFileSize.
int64_t file_read(Node* file, uint64_t offset, void* out, uint64_t length);
int64_t file_write(Node* file, uint64_t offset, const void* data, uint64_t length);
// Sets the size: shrinking frees the pages past the end and zeroes the rest of the last page.
int64_t file_truncate(Node* file, uint64_t size);

// Pages held by tmpfs free lists and files, for tests and stats.
uint64_t pages_held();

}  // namespace monocell::libos::vfs
