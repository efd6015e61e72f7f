// Writes small valid images into a directory, the seeds of image_reader_fuzz: one with a guest
// ELF and a file tree, one with a process ELF alone. Each seed is the harness's mode byte (1:
// the harness re-signs the manifest) and an image, so the fuzzer starts past the header and
// the manifest's digest, at the checks behind them.
// usage: image_seed DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "images/format/file_tree_writer.h"
#include "images/format/image_file_writer.h"

using namespace monocell::image;

namespace {

std::string small_elf() {
  std::string elf = "\x7f" "ELF\x02\x01\x01";
  elf.resize(256, '\0');
  return elf;
}

std::string small_tree() {
  FileTreeWriter tree;
  tree.add_file("etc/app.conf", "greeting = hello\n");
  tree.add_file("bin/tool", "#!\n", 0755);
  tree.add_file("empty", "");
  tree.add_directory("var/cache", 0700);
  StringSink out;
  tree.write(out);
  return out.data;
}

v1::Manifest manifest(const char* name) {
  v1::Manifest m;
  m.set_name(name);
  m.set_tag("latest");
  m.set_created_unix_seconds(1700000000);
  m.set_guest_abi_version(1);
  m.mutable_defaults()->add_argv("--flag");
  m.mutable_defaults()->add_env("KEY=value");
  m.mutable_defaults()->set_cwd("/var");
  m.mutable_defaults()->set_memory_mib(32);
  return m;
}

bool write_seed(const std::string& path, const std::string& image) {
  std::ofstream out(path, std::ios::binary);
  out.put('\x01');
  out.write(image.data(), static_cast<std::streamsize>(image.size()));
  if (!out) std::fprintf(stderr, "image_seed: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: image_seed DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok =
      write_seed(dir + "/guest-elf-and-tree.seed",
                 make_image(manifest("seed"), {{v1::BLOB_KIND_GUEST_ELF, small_elf()}, {v1::BLOB_KIND_FILE_TREE, small_tree()}})) &&
      write_seed(dir + "/process-elf.seed", make_image(manifest("seed-process"), {{v1::BLOB_KIND_PROCESS_ELF, small_elf()}}));
  return ok ? 0 : 1;
}
