// Writes the guest's output to the monitor's stdout and stderr from a thread of its own, so a
// stalled reader (a paused pager, a full pipe, a slow journal) never stalls the monitor's
// event loop: signals, timers and clients keep being served. The queue is bounded; when it
// is full the monitor stops draining the guest's stdio ring, and the guest waits for space.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace monocell {

class OutputWriter {
 public:
  OutputWriter(int stdout_fd, int stderr_fd, size_t limit = 4u << 20);
  ~OutputWriter();  // writes what is queued, then stops
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  // False once the queue holds `limit` bytes or more; room_fd() then turns readable when it
  // has drained below half.
  bool has_room();
  // Queues bytes for fd 1 (`to_stderr` false) or 2. Never blocks.
  void write(bool to_stderr, const uint8_t* data, size_t length);
  int room_fd() const { return room_fd_; }
  void consume_room_signal();

 private:
  void run();

  int fds_[2];
  size_t limit_;
  int room_fd_ = -1;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<int, std::string>> queue_;
  size_t queued_ = 0;
  bool waiting_for_room_ = false;
  bool open_[2] = {true, true};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace monocell
