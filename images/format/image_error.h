// The one error type of the image format and store: what went wrong, and which kind of wrong,
// so the CLI can answer with the right exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace monocell::image {

class ImageError : public std::runtime_error {
 public:
  enum class Kind {
    kCorrupt,  // an image file or store entry breaks the format (the input is bad, not the machine)
    kNoSuchImage,  // no image by that reference or ID in the store
    kNotFound,  // no such file
    kInvalidInput,  // a build input or argument is unacceptable (a bad path, name, or ELF)
    kIo,  // the system failed (read, write, fsync, rename, out of space)
  };

  ImageError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

[[noreturn]] inline void throw_corrupt(const std::string& message) { throw ImageError(ImageError::Kind::kCorrupt, message); }
[[noreturn]] inline void throw_invalid(const std::string& message) {
  throw ImageError(ImageError::Kind::kInvalidInput, message);
}
// Throws kIo (or kNotFound for ENOENT and ENOTDIR) as "<operation> <object> failed: <strerror(errno)>".
[[noreturn]] void throw_errno(const std::string& operation, const std::string& object);

}  // namespace monocell::image
