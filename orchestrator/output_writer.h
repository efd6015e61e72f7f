// Writes the guest's output to the monitor's stdout and stderr from a thread of its own, so a
// stalled reader (a paused pager, a full pipe, a slow journal) never stalls the monitor's
// event loop: signals, timers and clients keep being served. The queue is bounded; when it
// is full the monitor stops draining the guest's stdio ring, and the guest waits for space.
// With a LogWriter, every chunk is also recorded in the guest's logs, with the time it came.
// With a JournalWriter (a monitor systemd runs), the guest's output goes to the journal as
// entries of its own instead of to the fds.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "orchestrator/log_store.h"
#include "orchestrator/systemd/journal_writer.h"

namespace monocell {

class OutputWriter {
 public:
  // An fd of -1 is no terminal (a detached guest): its stream goes to the log only.
  OutputWriter(int stdout_fd, int stderr_fd, LogWriter* log = nullptr, systemd::JournalWriter* journal = nullptr,
               size_t limit = 4u << 20);
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
  struct Chunk {
    int stream;
    int64_t time_ns;
    std::string bytes;
  };

  int fds_[2];
  LogWriter* log_;
  systemd::JournalWriter* journal_;
  size_t limit_;
  int room_fd_ = -1;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Chunk> queue_;
  size_t queued_ = 0;
  bool waiting_for_room_ = false;
  bool open_[2] = {true, true};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace monocell
