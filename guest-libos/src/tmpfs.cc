// The guest's file nodes in memory (tmpfs.h): nodes are carved from pages, file bytes live in
// pages indexed two levels deep, and pages a file lets go of are kept on a free list for the
// next file rather than handed back (the page pool's free list is small and would leak them).
#include "tmpfs.h"

#include <linux/errno.h>

#include "freestanding.h"

namespace monocell::libos::vfs {
namespace {

struct FreePage {
  FreePage* next;
};

struct FreeNode {
  FreeNode* next;
};

PageSource g_source = {nullptr};
uint64_t (*g_now)() = nullptr;
FreePage* g_free_pages = nullptr;
FreeNode* g_free_nodes = nullptr;
uint64_t g_next_ino = 1;
uint64_t g_pages_held = 0;

constexpr uint64_t kNodesPerPage = kPageSize / sizeof(Node);
static_assert(kNodesPerPage >= 4, "a node should stay well below a page");

void* take_page() {
  if (g_free_pages != nullptr) {
    FreePage* page = g_free_pages;
    g_free_pages = page->next;
    zero_bytes(page, kPageSize);
    return page;
  }
  if (g_source.take == nullptr) return nullptr;
  void* page = g_source.take();
  if (page != nullptr) ++g_pages_held;
  return page;
}

void give_page(void* page) {
  auto* free = static_cast<FreePage*>(page);
  free->next = g_free_pages;
  g_free_pages = free;
}

// A page charged to `fs`, or null when its limit or memory is reached.
void* take_fs_page(FileSystem* fs) {
  if (fs->pages_used >= fs->page_limit) return nullptr;
  void* page = take_page();
  if (page != nullptr) ++fs->pages_used;
  return page;
}

void give_fs_page(FileSystem* fs, void* page) {
  give_page(page);
  --fs->pages_used;
}

// The data page `index` of `file`; with `create`, made (with its index page) when missing.
unsigned char* data_page(Node* file, uint64_t index, bool create) {
  const uint64_t outer = index / kPointersPerPage;
  const uint64_t inner = index % kPointersPerPage;
  if (file->page_index == nullptr) {
    if (!create) return nullptr;
    file->page_index = static_cast<void**>(take_fs_page(file->fs));
    if (file->page_index == nullptr) return nullptr;
  }
  auto** leaf = static_cast<void**>(file->page_index[outer]);
  if (leaf == nullptr) {
    if (!create) return nullptr;
    leaf = static_cast<void**>(take_fs_page(file->fs));
    if (leaf == nullptr) return nullptr;
    file->page_index[outer] = leaf;
  }
  if (leaf[inner] == nullptr && create) {
    leaf[inner] = take_fs_page(file->fs);
    if (leaf[inner] != nullptr) ++file->pages;
  }
  return static_cast<unsigned char*>(leaf[inner]);
}

// Frees the data pages from `first` on, and index pages left empty.
void free_pages_from(Node* file, uint64_t first) {
  if (file->page_index == nullptr) return;
  for (uint64_t outer = 0; outer < kPointersPerPage; ++outer) {
    auto** leaf = static_cast<void**>(file->page_index[outer]);
    if (leaf == nullptr) continue;
    bool empty = true;
    for (uint64_t inner = 0; inner < kPointersPerPage; ++inner) {
      if (leaf[inner] == nullptr) continue;
      if (outer * kPointersPerPage + inner >= first) {
        give_fs_page(file->fs, leaf[inner]);
        leaf[inner] = nullptr;
        --file->pages;
      } else {
        empty = false;
      }
    }
    if (empty) {
      give_fs_page(file->fs, leaf);
      file->page_index[outer] = nullptr;
    }
  }
  if (first == 0) {
    give_fs_page(file->fs, file->page_index);
    file->page_index = nullptr;
  }
}

// Copies 8 bytes at a time where both ends allow it: file bytes move in pages.
void move_bytes(void* dst, const void* src, uint64_t n) {
  if (((reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(src)) & 7) == 0) {
    auto* d = static_cast<volatile uint64_t*>(dst);
    auto* s = static_cast<const uint64_t*>(src);
    for (; n >= 8; n -= 8) *d++ = *s++;
    dst = const_cast<uint64_t*>(d);
    src = s;
  }
  copy_bytes(dst, src, n);
}

void node_free(Node* node) {
  if (node->kind == NodeKind::kFile || node->kind == NodeKind::kSymlink) free_pages_from(node, 0);
  auto* free = reinterpret_cast<FreeNode*>(node);
  free->next = g_free_nodes;
  g_free_nodes = free;
}

}  // namespace

void nodes_init(PageSource source, uint64_t (*now)()) {
  g_source = source;
  g_now = now;
}

uint64_t now_ns() { return g_now != nullptr ? g_now() : 0; }

uint64_t pages_held() { return g_pages_held; }

Node* node_create(FileSystem* fs, NodeKind kind, uint32_t mode) {
  if (g_free_nodes == nullptr) {
    auto* page = static_cast<unsigned char*>(take_page());
    if (page == nullptr) return nullptr;
    for (uint64_t i = 0; i < kNodesPerPage; ++i) {
      auto* free = reinterpret_cast<FreeNode*>(page + i * sizeof(Node));
      free->next = g_free_nodes;
      g_free_nodes = free;
    }
  }
  Node* node = reinterpret_cast<Node*>(g_free_nodes);
  g_free_nodes = g_free_nodes->next;
  zero_bytes(node, sizeof *node);
  node->kind = kind;
  node->fs = fs;
  node->ino = g_next_ino++;
  node->mode = mode & 07777;
  node->next_cookie = 1;
  node->atime_ns = node->mtime_ns = node->ctime_ns = now_ns();
  return node;
}

void node_hold(Node* node) { ++node->open_refs; }

void node_release(Node* node) {
  if (node->open_refs > 0) --node->open_refs;
  if (node->open_refs == 0 && !node->linked) node_free(node);
}

Node* dir_find(const Node* dir, const char* name, size_t length) {
  for (Node* child = dir->first_child; child != nullptr; child = child->next_sibling) {
    if (string_length(child->name, kNameMax + 1) != length) continue;
    bool same = true;
    for (size_t i = 0; i < length && same; ++i) same = child->name[i] == name[i];
    if (same) return child;
  }
  return nullptr;
}

void dir_link(Node* dir, Node* child, const char* name, size_t length) {
  copy_bytes(child->name, name, length);
  child->name[length] = '\0';
  child->parent = dir;
  child->linked = true;
  child->cookie = dir->next_cookie++;
  child->next_sibling = nullptr;
  child->prev_sibling = dir->last_child;
  if (dir->last_child != nullptr) {
    dir->last_child->next_sibling = child;
  } else {
    dir->first_child = child;
  }
  dir->last_child = child;
  ++dir->size;
  if (child->kind == NodeKind::kDirectory) ++dir->subdirectories;
  dir->mtime_ns = dir->ctime_ns = child->ctime_ns = now_ns();
}

void dir_unlink(Node* child) {
  Node* dir = child->parent;
  if (child->prev_sibling != nullptr) {
    child->prev_sibling->next_sibling = child->next_sibling;
  } else {
    dir->first_child = child->next_sibling;
  }
  if (child->next_sibling != nullptr) {
    child->next_sibling->prev_sibling = child->prev_sibling;
  } else {
    dir->last_child = child->prev_sibling;
  }
  child->next_sibling = child->prev_sibling = nullptr;
  child->linked = false;
  --dir->size;
  if (child->kind == NodeKind::kDirectory) --dir->subdirectories;
  dir->mtime_ns = dir->ctime_ns = child->ctime_ns = now_ns();
  // The parent pointer stays: a directory removed while it is a working directory still
  // knows where it was, and `linked` says it is gone.
}

Node* dir_next(const Node* dir, uint64_t after) {
  for (Node* child = dir->first_child; child != nullptr; child = child->next_sibling) {
    if (child->cookie > after) return child;
  }
  return nullptr;
}

int64_t file_read(Node* file, uint64_t offset, void* out, uint64_t length) {
  if (offset >= file->size) return 0;
  if (length > file->size - offset) length = file->size - offset;
  auto* dst = static_cast<unsigned char*>(out);
  if (file->backing != nullptr) {
    move_bytes(dst, file->backing + offset, length);
    file->atime_ns = now_ns();
    return static_cast<int64_t>(length);
  }
  uint64_t done = 0;
  while (done < length) {
    const uint64_t at = offset + done;
    const uint64_t in_page = at % kPageSize;
    uint64_t chunk = kPageSize - in_page;
    if (chunk > length - done) chunk = length - done;
    const unsigned char* page = data_page(file, at / kPageSize, false);
    if (page != nullptr) {
      move_bytes(dst + done, page + in_page, chunk);
    } else {
      zero_bytes(dst + done, chunk);
    }
    done += chunk;
  }
  file->atime_ns = now_ns();
  return static_cast<int64_t>(done);
}

int64_t file_write(Node* file, uint64_t offset, const void* data, uint64_t length) {
  if (offset >= kMaxFileSize || length > kMaxFileSize - offset) {
    if (offset >= kMaxFileSize) return -EFBIG;
    length = kMaxFileSize - offset;
  }
  const auto* src = static_cast<const unsigned char*>(data);
  uint64_t done = 0;
  while (done < length) {
    const uint64_t at = offset + done;
    const uint64_t in_page = at % kPageSize;
    uint64_t chunk = kPageSize - in_page;
    if (chunk > length - done) chunk = length - done;
    unsigned char* page = data_page(file, at / kPageSize, true);
    if (page == nullptr) break;
    move_bytes(page + in_page, src + done, chunk);
    done += chunk;
  }
  if (done == 0 && length != 0) return -ENOSPC;
  if (offset + done > file->size) file->size = offset + done;
  file->mtime_ns = file->ctime_ns = now_ns();
  return static_cast<int64_t>(done);
}

int64_t file_truncate(Node* file, uint64_t size) {
  if (size > kMaxFileSize) return -EFBIG;
  if (size < file->size) {
    free_pages_from(file, (size + kPageSize - 1) / kPageSize);
    // What lies past the end in the last page must read as zeros if the file grows again.
    if (size % kPageSize != 0) {
      unsigned char* page = data_page(file, size / kPageSize, false);
      if (page != nullptr) zero_bytes(page + size % kPageSize, kPageSize - size % kPageSize);
    }
  }
  file->size = size;  // growing leaves a hole: no page until something is written there
  file->mtime_ns = file->ctime_ns = now_ns();
  return 0;
}

}  // namespace monocell::libos::vfs
