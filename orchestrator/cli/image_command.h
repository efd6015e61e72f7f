// `monocell image ...`: build, list, inspect, tag, remove, save, load and prune images in the
// image store (images/store).
#pragma once

#include <CLI/CLI.hpp>

namespace monocell::cli {

// Adds `image` and its verbs; `exit_code` receives a verb's result once it ran.
void add_image_command(CLI::App& app, int* exit_code);

// The verbs, each registered on the `image` subcommand by its own file.
void add_image_build_command(CLI::App& image, int* exit_code);
void add_image_listing_commands(CLI::App& image, int* exit_code);  // ls, inspect

}  // namespace monocell::cli
