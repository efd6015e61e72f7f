// A xentoollog logger for libxl, libxengnttab and libxenevtchn that sends their lines to
// monocell's log at debug level: they reach the user's terminal only with --log-level debug.
// The backend's own errors say what failed in words; libxl's lines are the detail behind them.
#pragma once

#include "hypervisors/xen/xen_libs.h"

namespace monocell::xen {

class XenLogger {
 public:
  XenLogger();
  XenLogger(const XenLogger&) = delete;
  XenLogger& operator=(const XenLogger&) = delete;

  xentoollog_logger* get() { return &logger_; }

 private:
  xentoollog_logger logger_;
};

}  // namespace monocell::xen
