// Xen's C headers as C++ includes them: none declares C linkage itself, and libxl_utils.h
// compares signed with unsigned once (-Wsign-compare, an error under -Werror). Include Xen's
// headers through this file only.
#pragma once

#define LIBXL_API_VERSION 0x041400

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
extern "C" {
#include <libxl.h>
#include <libxl_event.h>
#include <libxl_utils.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xentoollog.h>
}
#pragma GCC diagnostic pop
