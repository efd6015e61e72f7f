// A read-only copy of a guest image that every monitor of one user booting the same image maps
// into its guest's RAM, so the guests share the page-cache pages of the image's read-only
// segments instead of each holding a private copy of them (1.8 MiB of an echo guest's 2.5 MiB).
//
// Why a copy and not the image file itself: a private mapping shows later writes to its file
// until a page is copied on write, so an app file rewritten in place would change the code of the
// guests running it. The copy is written once, before it is named, and never again.
//
// Why only from the second guest on: a guest reading file-backed pages takes a KVM fault per
// 4 KiB page, where anonymous RAM is mapped 2 MiB at a time; a one-off run of a small image pays
// about 5 ms for sharing (copy and faults) that saves it nothing. So every running guest of an
// image holds a shared flock on the image's "users" file, and a guest that finds no other holder
// there loads privately; the next one makes the copy, and it and the later ones map it.
//
// Every holder keeps a shared flock on the copy while its guest runs; the last one to leave
// removes it. A copy left by a killed monitor is removed when the next copy is made.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "images/format/file_descriptor.h"

namespace monocell {

class SharedImageFile {
 public:
  // Counts this guest among the running guests of the image named `key` in `directory`
  // (created if needed) and, when another one is already running, opens their copy or makes it
  // from `source_fd` (`size` bytes). Returns nullopt when nothing can be shared (no room, a file
  // system without O_TMPFILE, a key that is not a plain file name): the caller then loads the
  // image privately, as it would without sharing.
  static std::optional<SharedImageFile> join(const std::string& directory, const std::string& key, int source_fd,
                                             uint64_t size);

  // The key of an image file (regular file or memfd): its device, inode, size and change times,
  // so a file rewritten or replaced gets a copy of its own. `content_sha256` (hex), when the
  // caller has checked the content, names the copy instead, so that memfds holding one stored
  // image share it. Empty when the file cannot be examined.
  static std::string key_for(int fd, const std::string& content_sha256);

  // Removes the copies in `directory` that no running guest holds (a killed monitor's), and the
  // directory once it is empty: `monocell rm` of a guest whose monitor died leaves nothing.
  static void remove_unheld(const std::string& directory);

  SharedImageFile(SharedImageFile&&) = default;
  SharedImageFile& operator=(SharedImageFile&&) = delete;
  ~SharedImageFile();

  // The copy to map, or -1 for the image's only running guest, which loads privately.
  int fd() const { return copy_.get(); }

 private:
  SharedImageFile(std::string directory, std::string key) : directory_(std::move(directory)), key_(std::move(key)) {}

  std::string directory_;
  std::string key_;
  image::FileDescriptor users_;  // share-locked while this guest runs
  image::FileDescriptor copy_;   // share-locked while this guest maps it
};

}  // namespace monocell
