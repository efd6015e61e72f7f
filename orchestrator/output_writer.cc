// Writes the guest's output from a thread of its own.
#include "orchestrator/output_writer.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "orchestrator/timestamp.h"

namespace monocell {

OutputWriter::OutputWriter(int stdout_fd, int stderr_fd, LogWriter* log, systemd::JournalWriter* journal, size_t limit)
    : fds_{stdout_fd, stderr_fd}, log_(log), journal_(journal), limit_(limit), room_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  open_[0] = stdout_fd >= 0;
  open_[1] = stderr_fd >= 0;
  thread_ = std::thread(&OutputWriter::run, this);
}

OutputWriter::~OutputWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (room_fd_ >= 0) close(room_fd_);
}

bool OutputWriter::has_room() {
  std::lock_guard lock(mutex_);
  if (queued_ < limit_) return true;
  waiting_for_room_ = true;
  return false;
}

void OutputWriter::write(bool to_stderr, const uint8_t* data, size_t length) {
  if (length == 0) return;
  {
    std::lock_guard lock(mutex_);
    const int stream = to_stderr ? 1 : 0;
    if (!open_[stream] && log_ == nullptr) return;  // its reader went away: the output is dropped
    queue_.push_back(Chunk{stream, now_ns(), std::string(reinterpret_cast<const char*>(data), length)});
    queued_ += length;
  }
  wake_.notify_one();
}

void OutputWriter::consume_room_signal() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(room_fd_, &count, sizeof count);
}

void OutputWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {  // stopping, and everything is written
      if (journal_ != nullptr) journal_->flush();
      return;
    }
    Chunk chunk = std::move(queue_.front());
    queue_.pop_front();
    const bool to_terminal = open_[chunk.stream];
    const size_t size = chunk.bytes.size();
    lock.unlock();
    if (log_ != nullptr) {
      log_->append_at(chunk.time_ns, chunk.stream == 0 ? LogStream::kStdout : LogStream::kStderr, chunk.bytes.data(),
                      chunk.bytes.size());
    }
    if (journal_ != nullptr && to_terminal) {
      journal_->write(chunk.stream == 1, chunk.bytes);
      chunk.bytes.clear();
    }
    const char* p = chunk.bytes.data();
    size_t left = to_terminal ? chunk.bytes.size() : 0;
    bool failed = false;
    while (left > 0) {
      const ssize_t n = ::write(fds_[chunk.stream], p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        failed = true;  // EPIPE and the like: nobody reads this stream any more
        break;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    lock.lock();
    queued_ -= size;
    if (failed) open_[chunk.stream] = false;
    if (waiting_for_room_ && queued_ < limit_ / 2) {
      waiting_for_room_ = false;
      const uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(room_fd_, &one, sizeof one);
    }
  }
}

}  // namespace monocell
