// Wall-clock times as monocell stores and shows them.
#include "orchestrator/timestamp.h"

#include <time.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace monocell {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string format_time(int64_t ns) {
  const time_t seconds = static_cast<time_t>(ns / 1'000'000'000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  const size_t n = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%09lldZ", static_cast<long long>(ns % 1'000'000'000));
  return text;
}

std::optional<int64_t> parse_time(const std::string& text) {
  tm utc{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &utc);
  if (rest == nullptr) return std::nullopt;
  int64_t fraction_ns = 0;
  if (*rest == '.') {
    ++rest;
    int64_t scale = 100'000'000;
    if (!std::isdigit(static_cast<unsigned char>(*rest))) return std::nullopt;
    for (; std::isdigit(static_cast<unsigned char>(*rest)); ++rest) {
      fraction_ns += (*rest - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_s = 0;
  if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int hours = 0;
    int minutes = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset_s = (hours * 3600 + minutes * 60) * (*rest == '+' ? 1 : -1);
    rest += 6;
  } else {
    return std::nullopt;
  }
  if (*rest != '\0') return std::nullopt;
  const int64_t seconds = static_cast<int64_t>(timegm(&utc)) - offset_s;
  // Past 2262 nanoseconds overflow 64 bits: such a time is as late (or early) as it gets.
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  if (seconds > kLimit) return std::numeric_limits<int64_t>::max();
  if (seconds < -kLimit) return std::numeric_limits<int64_t>::min();
  return seconds * 1'000'000'000 + fraction_ns;
}

std::optional<int64_t> parse_since(const std::string& text, int64_t now) {
  if (auto t = parse_time(text)) return t;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || value < 0) return std::nullopt;
  const std::string unit = end;
  double seconds = 0;
  if (unit.empty()) return static_cast<int64_t>(value * 1e9);  // Unix seconds
  if (unit == "ms") {
    seconds = value / 1000;
  } else if (unit == "s") {
    seconds = value;
  } else if (unit == "m") {
    seconds = value * 60;
  } else if (unit == "h") {
    seconds = value * 3600;
  } else {
    return std::nullopt;
  }
  return now - static_cast<int64_t>(seconds * 1e9);
}

}  // namespace monocell
