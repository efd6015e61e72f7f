// Exit codes, the store, progress and formatting for the `image` verbs.
#include "orchestrator/cli/image_cli_support.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include <spdlog/spdlog.h>

namespace monocell::cli {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

constexpr int64_t kProgressDelayMs = 300;  // quick work draws nothing
constexpr int64_t kProgressIntervalMs = 100;

}  // namespace

int image_exit_code(image::ImageError::Kind kind) {
  switch (kind) {
    case image::ImageError::Kind::kNoSuchImage:
      return kImageExitNoSuchImage;
    case image::ImageError::Kind::kCorrupt:
      return kImageExitCorrupt;
    default:
      return kImageExitFailed;
  }
}

int run_image_verb(const std::function<int()>& body) {
  try {
    return body();
  } catch (const image::ImageError& e) {
    spdlog::error("{}", e.what());
    return image_exit_code(e.kind());
  }
}

image::ImageStore open_image_store() { return image::ImageStore(image::ImageStore::default_root()); }

TerminalProgress::TerminalProgress() {
  if (::isatty(STDERR_FILENO) == 0) return;
  started_ms_ = now_ms();
  progress_ = [this](const std::string& step, uint64_t done, uint64_t total) {
    const int64_t now = now_ms();
    if (now - started_ms_ < kProgressDelayMs || (now - last_ms_ < kProgressIntervalMs && done < total)) return;
    last_ms_ = now;
    const unsigned percent = total == 0 ? 100 : static_cast<unsigned>(done * 100 / total);
    std::fprintf(stderr, "\r\033[K%s: %3u%% (%s of %s)", step.c_str(), percent, human_size(done).c_str(),
                 human_size(total).c_str());
    std::fflush(stderr);
    drawn_ = true;
  };
}

TerminalProgress::~TerminalProgress() {
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

std::string human_size(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string iso_time(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string time_ago(int64_t unix_seconds) {
  const int64_t seconds = static_cast<int64_t>(std::time(nullptr)) - unix_seconds;
  if (seconds < 0) return "in the future";
  struct Unit {
    int64_t seconds;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{365 * 86400, "year"}, {30 * 86400, "month"}, {7 * 86400, "week"},
                                    {86400, "day"},         {3600, "hour"},        {60, "minute"}};
  for (const Unit& unit : kUnits) {
    if (seconds >= unit.seconds) {
      const int64_t n = seconds / unit.seconds;
      return std::to_string(n) + " " + unit.name + (n == 1 ? "" : "s") + " ago";
    }
  }
  return "just now";
}

}  // namespace monocell::cli
