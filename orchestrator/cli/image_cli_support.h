// What the `image` verbs share: the store they act on, their exit codes (docker's: 0, 1 for no
// such image, 125 for usage or monocell's own failure, 126 for a corrupt image), progress drawn
// on a terminal only, and sizes and times as people read them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "images/format/image_error.h"
#include "images/store/image_store.h"
#include "images/store/store_progress.h"

namespace monocell::cli {

inline constexpr int kImageExitNoSuchImage = 1;
inline constexpr int kImageExitFailed = 125;
inline constexpr int kImageExitCorrupt = 126;

int image_exit_code(image::ImageError::Kind kind);

// Runs a verb's body: an ImageError is logged and becomes its exit code.
int run_image_verb(const std::function<int()>& body);

// The store the verbs use (ImageStore::default_root()).
image::ImageStore open_image_store();

// Draws progress on stderr when it is a terminal (after a short delay, at most ten times a
// second) and clears the line when it goes away; does nothing otherwise.
class TerminalProgress {
 public:
  TerminalProgress();
  ~TerminalProgress();
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  const image::Progress& progress() const { return progress_; }

 private:
  image::Progress progress_;
  bool drawn_ = false;
  int64_t started_ms_ = 0;
  int64_t last_ms_ = 0;
};

std::string human_size(uint64_t bytes);  // "1.3 MiB"
std::string iso_time(int64_t unix_seconds);  // "2024-01-02T03:04:05Z"
std::string time_ago(int64_t unix_seconds);  // "3 minutes ago"

}  // namespace monocell::cli
