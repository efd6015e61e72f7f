// Where monocell keeps its state: the volatile root (pid, status, control socket and lock of
// each running guest; gone at a reboot) and the persistent root (each guest's config, state
// record and logs; kept until `monocell rm`).
#pragma once

#include <string>

namespace monocell {

// $MONOCELL_STATE_DIR, else /run/monocell as root, else $XDG_RUNTIME_DIR/monocell, else
// /tmp/monocell-UID.
std::string state_root();
// $MONOCELL_DATA_DIR, else $MONOCELL_STATE_DIR/.data when only that is set (so one variable
// isolates a test), else /var/lib/monocell as root, else $XDG_DATA_HOME/monocell, else
// $HOME/.local/share/monocell.
std::string data_root();

// <state>/.images: the read-only copies of guest images whose pages the running guests of one
// image share (hypervisors/kvm/shared_image_file.h). No guest name starts with '.'.
std::string shared_images_root();

// <data>/guests/<ID>/: config.json, state.json, logs/.
std::string guest_data_dir(const std::string& id);
std::string guests_root();
// <data>/names/<NAME>: a symbolic link to the ID; its atomic creation is the claim of a name.
std::string names_root();

}  // namespace monocell
