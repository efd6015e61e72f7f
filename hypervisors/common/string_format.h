// printf-style formatting into a std::string, for the hypervisors' reports and error messages.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

namespace monocell {

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline std::string format(const char* fmt, ...) {
  char buffer[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buffer, sizeof buffer, fmt, args);
  va_end(args);
  return buffer;
}

}  // namespace monocell
