// The one interface the orchestrator sees of a hypervisor: a started guest with a shared ring
// region, a way to wake it, a way to learn that it woke us or ended, and a way to stop it.
// KVM, Xen and the process backend implement it; nothing hypervisor-specific leaks past it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "protocol/ring/region.h"
#include "protocol/ring/ring.h"

namespace monocell {

// Everything needed to start one guest; built by the CLI, consumed by a backend.
struct GuestConfig {
  std::string name;
  std::string hypervisor;  // "kvm", "process", "xen"
  std::string app;  // app name, as given
  std::string image;  // resolved path of what the backend boots or executes
  // The image's file tree (images/format/file_tree_abi.h, checked), read-only at / in the guest;
  // empty: none. A path the backend opens, like `image`.
  std::string file_tree;
  // The sha256 (hex) of `image`'s content when the CLI has checked it (a stored image); else empty.
  std::string image_sha256;
  // A directory where the guests of one image share its read-only pages (a VM backend keeps a
  // read-only copy of the image there); empty: each guest loads its own copy.
  std::string shared_image_dir;
  std::vector<std::string> argv;  // argv[0] is the app name
  std::vector<std::string> env;  // KEY=VALUE
  std::string cwd = "/";
  uint64_t memory_mib = 64;
  double timeout_s = 0;  // 0: none
  uint32_t grace_ms = 10'000;  // between a stop signal and a kill
  ring::RegionConfig rings;
  // The guest's state directory (orchestrator/state_dir.h), or empty. A backend may mark what
  // it creates with it (Xen tags its domain), so what a dead monitor left can be recognised.
  std::string state_dir;
};

// How a guest ended, as its backend saw it.
struct GuestEnd {
  enum class Kind {
    kExited,  // the guest ended by itself; `code` holds its exit status
    kSignaled,  // the guest process died of signal `signal` (process backend)
    // The guest faulted (CPU exception, triple fault, unhandled exit); see `report`. For a CPU
    // exception `signal` is the one Linux would send and `code` 128 + it; otherwise `code` is 139.
    kFault,
    kCannotStart,  // the image could not be started (`code` 126 or 127), or its end is unknown (125)
  };
  Kind kind = Kind::kExited;
  int code = 0;
  int signal = 0;
  std::string report;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // The host's mapping of the shared region and its private, trusted layout. Valid until end()
  // has returned (on Xen the region is the guest's granted pages, unmapped by end()).
  virtual void* region() const = 0;
  virtual const ring::RegionLayout& layout() const = 0;
  // Notifies the guest (it sleeps on rings the host produces into).
  virtual ring::Notifier& guest_doorbell() = 0;
  // Readable when the guest notified the host; consume_host_wakeup() clears it.
  virtual int host_wakeup_fd() const = 0;
  virtual void consume_host_wakeup() = 0;
  // Readable once the guest has ended; then end() says how, and releases the guest (on Xen it
  // unmaps the region and destroys the domain). Later calls return the same end.
  virtual int end_fd() const = 0;
  virtual GuestEnd end() = 0;
  // Stops the guest at once (no grace): the guest's end is then reported as usual. The region
  // stays mapped until end(), so what the guest published last can still be read.
  virtual void kill() = 0;
};

}  // namespace monocell
