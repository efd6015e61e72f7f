// An app from the image store: `monocell run NAME[:TAG]` finds the image, takes the ELF for
// the chosen hypervisor (the guest ELF for kvm and xen, the process ELF for process) and its
// file tree if it has one, decompresses them into sealed memfds and checks them before the guest starts.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hypervisors/backend.h"
#include "images/format/file_descriptor.h"
#include "images/format/image.pb.h"

namespace monocell {

struct StoredApp {
  std::string path;  // names the memfd, for this process and its children
  std::string name;  // the image's name (the app's argv[0])
  image::v1::RunDefaults defaults;
  std::shared_ptr<image::FileDescriptor> memfd;  // keep open while the guest may load it
  std::string sha256;  // hex, of the memfd's content (checked)
  // The image's file tree, checked, in a memfd of its own (empty path: the image has none).
  std::string file_tree_path;
  std::shared_ptr<image::FileDescriptor> file_tree_memfd;
};

struct StoredAppLookup {
  std::optional<StoredApp> app;  // found and ready
  bool broken = false;  // the store has the image, but it cannot run here: `why` says why
  std::string why;
};

// Null app and not broken when the store has no image by that reference (or `app` is none).
StoredAppLookup find_stored_app(const std::string& hypervisor, const std::string& app);

// What the command line chose itself, which an image's defaults do not replace.
struct CommandLineChoices {
  bool args = false;
  bool cwd = false;
  bool memory = false;
};

// Names argv[0] after the image and fills in its defaults where the command line chose
// nothing; the image's environment goes first, so that entries given with -e override it.
void apply_image_defaults(const StoredApp& app, const CommandLineChoices& given, GuestConfig* config);

}  // namespace monocell
