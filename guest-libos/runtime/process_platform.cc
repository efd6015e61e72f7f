// The runtime's platform under the process backend.
#include "guest-libos/runtime/process_platform.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <vector>

#include "hypervisors/process/process_abi.h"

namespace monocell::runtime {

std::unique_ptr<ProcessPlatform> ProcessPlatform::from_environment(std::string* why) {
  const char* version = std::getenv(process_abi::kEnvVersion);
  if (version == nullptr) {
    *why = std::string(process_abi::kEnvVersion) + " is not set";
    return nullptr;
  }
  if (std::atoi(version) != process_abi::kProcessAbiVersion) {
    *why = std::string("process ABI ") + version + " is not supported (this runtime speaks " +
           std::to_string(process_abi::kProcessAbiVersion) + ")";
    return nullptr;
  }
  const char* size_text = std::getenv(process_abi::kEnvRegionSize);
  const uint64_t size = size_text != nullptr ? std::strtoull(size_text, nullptr, 10) : 0;
  if (size == 0) {
    *why = std::string(process_abi::kEnvRegionSize) + " is missing or zero";
    return nullptr;
  }
  void* region = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, process_abi::kRegionFd, 0);
  if (region == MAP_FAILED) {
    *why = std::string("mmap of the ring region (fd 3): ") + std::strerror(errno);
    return nullptr;
  }
  // Nothing else in the app should inherit these; both pipe ends must not block.
  for (const int fd : {process_abi::kRegionFd, process_abi::kWakeHostFd, process_abi::kWakeGuestFd}) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  for (const int fd : {process_abi::kWakeHostFd, process_abi::kWakeGuestFd}) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return std::unique_ptr<ProcessPlatform>(new ProcessPlatform(region, size));
}

ProcessPlatform::ProcessPlatform(void* region, uint64_t size)
    : region_(region), region_size_(size), wake_host_(process_abi::kWakeHostFd), wake_me_(process_abi::kWakeGuestFd) {
  close(process_abi::kRegionFd);  // the mapping keeps the memory
}

ProcessPlatform::~ProcessPlatform() {
  flush_stdio();
  munmap(region_, region_size_);
}

void ProcessPlatform::capture_stdio(ring::RingProducer& out) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    std::perror("monocell runtime: pipe for stdio");
    return;
  }
  std::fflush(nullptr);
  dup2(out_pipe[1], STDOUT_FILENO);
  dup2(err_pipe[1], STDERR_FILENO);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // The pump reads without blocking once told to stop; the app's write ends stay blocking.
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  pump_ = std::thread(&ProcessPlatform::pump, this, &out, out_pipe[0], err_pipe[0]);
}

void ProcessPlatform::flush_stdio() {
  if (!pump_.joinable()) return;
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  // Our ends of the pipes go; what the app wrote is in the pipes now. A child the app started
  // may still hold them open, so the pump is told to drain what is there and stop, rather
  // than wait for an end of file that may never come.
  const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  dup2(null_fd, STDOUT_FILENO);
  dup2(null_fd, STDERR_FILENO);
  close(null_fd);
  const char stop = 1;
  [[maybe_unused]] ssize_t n = write(stop_pipe_[1], &stop, 1);
  pump_.join();
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
}

// Copies the app's fd 1 and 2 into stdio frames until flush_stdio() says stop (then it
// drains what the pipes hold) or both pipes reach end of file. When the ring is full it retries
// shortly: the host drains continuously, and this thread must not share the main thread's
// wakeup pipe (two sleepers on one fd could steal each other's wakeup).
void ProcessPlatform::pump(ring::RingProducer* out, int stdout_fd, int stderr_fd) {
  std::vector<char> buffer(out->max_frame() < 65536 ? out->max_frame() : 65536);
  pollfd fds[3] = {{stdout_fd, POLLIN, 0}, {stderr_fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
  const uint32_t types[2] = {static_cast<uint32_t>(ring::FrameType::kStdout),
                             static_cast<uint32_t>(ring::FrameType::kStderr)};
  int open_fds = 2;
  bool stopping = false;
  while (open_fds > 0) {
    if (!stopping) {
      if (poll(fds, 3, -1) < 0 && errno != EINTR) break;
      stopping = fds[2].revents != 0;
    }
    bool drained_all = true;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (!stopping && fds[i].revents == 0)) continue;
      const ssize_t n = read(fds[i].fd, buffer.data(), buffer.size());
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;  // nothing more there now
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      drained_all = false;
      for (;;) {
        const ring::Status s = out->write(types[i], buffer.data(), static_cast<uint32_t>(n));
        if (s.code != ring::Errc::kNoSpace) break;  // written, or the ring is broken: drop
        out->publish();
        const timespec pause{0, 200'000};
        nanosleep(&pause, nullptr);
      }
    }
    out->publish();
    if (stopping && drained_all) break;
  }
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd >= 0) close(fds[i].fd);
  }
}

uint64_t ProcessPlatform::memory_bytes() const {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace monocell::runtime
