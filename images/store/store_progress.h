// How store operations that take a while (build, save, load) report how far they are: a step's name, the
// bytes done and the bytes in all. The CLI draws it on a terminal and stays quiet otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "images/format/byte_stream.h"

namespace monocell::image {

using Progress = std::function<void(const std::string& step, uint64_t done, uint64_t total)>;

// Passes bytes on to `next` and reports the running count against `total`.
class ProgressSink final : public ByteSink {
 public:
  ProgressSink(ByteSink& next, const Progress& progress, std::string step, uint64_t total, uint64_t start = 0)
      : next_(next), progress_(progress), step_(std::move(step)), total_(total), done_(start) {}
  void write(std::span<const uint8_t> bytes) override {
    next_.write(bytes);
    done_ += bytes.size();
    if (progress_) progress_(step_, done_, total_);
  }
  uint64_t done() const { return done_; }

 private:
  ByteSink& next_;
  const Progress& progress_;
  std::string step_;
  uint64_t total_;
  uint64_t done_;
};

}  // namespace monocell::image
