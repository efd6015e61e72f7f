// Xen's library log lines into spdlog.
#include "hypervisors/xen/xen_logger.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

namespace monocell::xen {
namespace {

void log_line(xentoollog_logger*, xentoollog_level level, int errnoval, const char* context, const char* format,
              va_list args) __attribute__((format(printf, 5, 0)));
void log_line(xentoollog_logger*, xentoollog_level level, int errnoval, const char* context, const char* format,
              va_list args) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  char text[1024];
  std::vsnprintf(text, sizeof text, format, args);
  if (errnoval >= 0) {
    spdlog::debug("{} {}: {}: {}", context != nullptr ? context : "xen", xtl_level_to_string(level), text,
                  std::strerror(errnoval));
  } else {
    spdlog::debug("{} {}: {}", context != nullptr ? context : "xen", xtl_level_to_string(level), text);
  }
}

void log_progress(xentoollog_logger*, const char*, const char*, int, unsigned long, unsigned long) {}

void destroy_nothing(xentoollog_logger*) {}

}  // namespace

XenLogger::XenLogger() : logger_{log_line, log_progress, destroy_nothing} {}

}  // namespace monocell::xen
