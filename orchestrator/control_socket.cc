// The monitor's unix control socket.
#include "orchestrator/control_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace monocell {
namespace {

bool make_address(const std::string& path, sockaddr_un* addr, std::string* error) {
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path.size() >= sizeof addr->sun_path) {
    *error = "control socket path is too long: " + path;
    return false;
  }
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return true;
}

bool write_all(int fd, const void* data, size_t size, std::string* error) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::string("control socket write: ") + std::strerror(errno);
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, size_t size, std::string* error) {
  auto* p = static_cast<uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n == 0) {
      *error = "the monitor closed the control socket";
      return false;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::string("control socket read: ") + std::strerror(errno);
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// The length prefix and the Envelope's bytes appended to `out`; false if it is over the limit.
bool append_framed(const v1::Envelope& envelope, std::string* out, std::string* error) {
  const size_t size = envelope.ByteSizeLong();
  if (size > kMaxControlMessage) {
    *error = "message of " + std::to_string(size) + " bytes is over the control socket's limit";
    return false;
  }
  const uint32_t length = static_cast<uint32_t>(size);
  out->append(reinterpret_cast<const char*>(&length), sizeof length);
  return envelope.AppendToString(out);
}

}  // namespace

int listen_control_socket(const std::string& path, std::string* error) {
  sockaddr_un addr;
  if (!make_address(path, &addr, error)) return -1;
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) {
    *error = "cannot listen on " + path + ": " + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

int connect_control_socket(const std::string& path, std::string* error) {
  sockaddr_un addr;
  if (!make_address(path, &addr, error)) return -1;
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = std::string(std::strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

bool send_envelope(int fd, const v1::Envelope& envelope, std::string* error) {
  std::string bytes;
  return append_framed(envelope, &bytes, error) && write_all(fd, bytes.data(), bytes.size(), error);
}

bool EnvelopeSendQueue::push(const v1::Envelope& envelope) {
  std::string error;
  const size_t before = buffer_.size();
  if (append_framed(envelope, &buffer_, &error)) return true;
  buffer_.resize(before);
  return false;
}

EnvelopeSendQueue::Result EnvelopeSendQueue::flush(int fd) {
  while (sent_ < buffer_.size()) {
    const ssize_t n = ::send(fd, buffer_.data() + sent_, buffer_.size() - sent_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return Result::kFailed;
    }
    sent_ += static_cast<size_t>(n);
  }
  if (sent_ == buffer_.size()) {
    buffer_.clear();
    if (buffer_.capacity() > (1u << 20)) buffer_.shrink_to_fit();  // a burst is not kept for life
    sent_ = 0;
    return Result::kSent;
  }
  if (sent_ > (1u << 20) && sent_ * 2 > buffer_.size()) {  // keep the buffer from growing at the front
    buffer_.erase(0, sent_);
    sent_ = 0;
  }
  return Result::kPending;
}

bool receive_envelope(int fd, v1::Envelope* envelope, std::string* error) {
  uint32_t length = 0;
  if (!read_all(fd, &length, sizeof length, error)) return false;
  if (length > kMaxControlMessage) {
    *error = "the monitor sent a message of " + std::to_string(length) + " bytes";
    return false;
  }
  std::string bytes(length, '\0');
  if (!read_all(fd, bytes.data(), length, error)) return false;
  if (!envelope->ParseFromString(bytes)) {
    *error = "the monitor sent a message that does not parse";
    return false;
  }
  return true;
}

EnvelopeFramer::Result EnvelopeFramer::fill(int fd) {
  uint8_t chunk[16384];
  // Enough for the largest message; the rest stays in the socket until next() has made room,
  // so a client may pipeline any number of requests.
  while (buffer_.size() - start_ < kMaxControlMessage + sizeof(uint32_t)) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.insert(buffer_.end(), chunk, chunk + n);
      continue;
    }
    if (n == 0) return Result::kClosed;
    if (errno == EINTR) continue;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? Result::kNeedMore : Result::kClosed;
  }
  return Result::kNeedMore;
}

EnvelopeFramer::Result EnvelopeFramer::next(v1::Envelope* envelope) {
  const size_t available = buffer_.size() - start_;
  uint32_t length = 0;
  if (available < sizeof length) {
    compact();
    return Result::kNeedMore;
  }
  std::memcpy(&length, buffer_.data() + start_, sizeof length);
  if (length > kMaxControlMessage) return Result::kMalformed;
  if (available < sizeof length + length) {
    compact();
    return Result::kNeedMore;
  }
  const bool parsed = envelope->ParseFromArray(buffer_.data() + start_ + sizeof length, static_cast<int>(length));
  start_ += sizeof length + length;
  return parsed ? Result::kEnvelope : Result::kMalformed;
}

void EnvelopeFramer::compact() {
  // Drop what was consumed, so the buffer never holds more than one partial message.
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
  start_ = 0;
}

}  // namespace monocell
