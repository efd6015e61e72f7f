// Wall-clock times as monocell stores and shows them: nanoseconds since the Unix epoch, and
// RFC 3339 text in UTC ("2026-12-02T16:09:56.123456789Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace monocell {

int64_t now_ns();
std::string format_time(int64_t ns);
// RFC 3339 (with or without a fraction, "Z" or an offset) back to nanoseconds.
std::optional<int64_t> parse_time(const std::string& text);
// `logs --since`: an RFC 3339 time, Unix seconds, or a duration before `now` ("90s", "10m", "2h").
std::optional<int64_t> parse_since(const std::string& text, int64_t now);

}  // namespace monocell
