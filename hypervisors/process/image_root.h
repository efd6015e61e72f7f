// The process target's stand-in for an image's file tree at /: the tree extracted into a host
// directory that becomes the app's root in its own mount namespace (process_confinement.h), with
// the host's other top-level directories shown read-only beside the image's, as the app (a
// dynamically linked Linux program) needs its loader and libraries.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace monocell::process_confinement {

// What the child mounts: each host directory `source` at `target` inside `dir`. Plain strings,
// built before fork, read between fork and exec.
struct RootPlan {
  std::string dir;
  struct Bind {
    std::string source;
    std::string target;
  };
  std::vector<Bind> binds;
  std::string tmp;  // dir + "/tmp": a fresh tmpfs
};

// The extracted tree; the directory goes with it.
class ImageRoot {
 public:
  // Extracts the checked tree at `file_tree_path` into a new directory under `parent` (made if
  // missing; empty: $TMPDIR or /tmp), with mount points for the host's other top-level
  // directories and for /dev, /proc and /tmp. Throws std::runtime_error naming the step.
  static std::unique_ptr<ImageRoot> extract(const std::string& file_tree_path, const std::string& parent);
  ~ImageRoot();
  ImageRoot(const ImageRoot&) = delete;
  ImageRoot& operator=(const ImageRoot&) = delete;

  const RootPlan& plan() const { return plan_; }

 private:
  ImageRoot() = default;
  RootPlan plan_;
};

}  // namespace monocell::process_confinement
