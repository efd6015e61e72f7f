// NAME.guest files (guest_file.h). Parsed here rather than with an INI library: systemd's
// syntax has no inline comments, and the usual INI parsers strip "; ..." from inside values.
#include "orchestrator/systemd/guest_file.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "orchestrator/state_dir.h"

namespace monocell::systemd {
namespace {

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

// A whole number of at most `max`; nullopt for anything else.
std::optional<uint64_t> whole_number(const std::string& text, uint64_t max) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno != 0 || value > max) return std::nullopt;
  return value;
}

// Memory=: MiB, or with an M or G suffix.
std::optional<uint64_t> memory_mib(std::string text) {
  uint64_t scale = 1;
  if (!text.empty() && (text.back() == 'M' || text.back() == 'm')) text.pop_back();
  else if (!text.empty() && (text.back() == 'G' || text.back() == 'g')) {
    text.pop_back();
    scale = 1024;
  }
  const auto value = whole_number(text, 65536);
  if (!value || *value * scale < 16 || *value * scale > 65536) return std::nullopt;
  return *value * scale;
}

class Parser {
 public:
  Parser(const std::string& path, GuestFile* out) : path_(path), out_(out) {}

  // One logical line (continuations joined); false with error_ set.
  bool line(int number, const std::string& text) {
    number_ = number;
    if (text.empty() || text[0] == '#' || text[0] == ';') return true;
    if (text.front() == '[') {
      if (text.back() != ']') return fail("a section header is [NAME]");
      section_ = text.substr(1, text.size() - 2);
      if (section_ != "Guest" && section_ != "Unit" && section_ != "Service" && section_ != "Install") {
        return fail("unknown section [" + section_ + "]: a .guest file has [Guest], [Unit], [Service] and [Install]");
      }
      return true;
    }
    const size_t equals = text.find('=');
    if (equals == std::string::npos || equals == 0) return fail("expected KEY=VALUE, or a [Section]");
    const std::string key = trim(text.substr(0, equals));
    const std::string value = trim(text.substr(equals + 1));
    if (section_.empty()) return fail("\"" + key + "=\" comes before any section: start with [Guest]");
    if (section_ == "Unit") out_->unit_lines.push_back(key + "=" + value);
    if (section_ == "Service") out_->service_lines.push_back(key + "=" + value);
    if (section_ == "Install") return install(key, value);
    if (section_ == "Guest") return guest(key, value);
    return true;
  }

  bool finish() {
    number_ = 0;  // what is missing belongs to no line
    if (out_->run.app.empty()) return fail("no Image= in [Guest]: it names the image (or absolute path) to run");
    std::string why;
    const auto policy = parse_restart_policy(restart_, restart_codes_, &why);
    if (!policy) return fail(why);
    out_->restart = *policy;
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool fail(const std::string& what) {
    error_ = path_ + (number_ > 0 ? ":" + std::to_string(number_) : "") + ": " + what;
    return false;
  }

  bool install(const std::string& key, const std::string& value) {
    const auto words = split_words(value);
    if (!words) return fail("an unclosed quote in " + key + "=");
    if (key == "WantedBy") out_->wanted_by.insert(out_->wanted_by.end(), words->begin(), words->end());
    else if (key == "RequiredBy") out_->required_by.insert(out_->required_by.end(), words->begin(), words->end());
    else out_->install_lines.push_back(key + "=" + value);
    return true;
  }

  bool guest(const std::string& key, const std::string& value) {
    RunSpec& run = out_->run;
    if (key == "Image") {
      if (value.empty() || value[0] == '-') return fail("Image= names an image or an absolute path");
      if (value.find('/') != std::string::npos && value[0] != '/') {
        return fail("Image=" + value + " is a relative path: a unit runs from /, so give it whole");
      }
      run.app = value;
    } else if (key == "Args") {
      const auto words = split_words(value);
      if (!words) return fail("an unclosed quote in Args=");
      run.args.insert(run.args.end(), words->begin(), words->end());
    } else if (key == "Environment") {
      if (value.find('=') == std::string::npos || value[0] == '=') return fail("Environment= takes KEY=VALUE");
      run.env.push_back(value);
    } else if (key == "Memory") {
      const auto mib = memory_mib(value);
      if (!mib) return fail("Memory=" + value + ": expected MiB from 16 to 65536 (or with M or G, as 512M, 1G)");
      run.memory_mib = *mib;
    } else if (key == "Hypervisor") {
      if (value != "kvm" && value != "xen" && value != "process") return fail("Hypervisor= is kvm, xen or process");
      run.hypervisor = value;
    } else if (key == "WorkingDirectory") {
      if (value.empty() || value[0] != '/') return fail("WorkingDirectory= is an absolute path");
      run.cwd = value;
    } else if (key == "Restart") {
      restart_ = value;
    } else if (key == "RestartExitCodes") {
      restart_codes_ = value;
    } else if (key == "Watchdog" || key == "StopTimeout" || key == "Timeout") {
      const auto seconds = whole_number(value, 86400);
      if (!seconds) return fail(key + "=" + value + ": expected whole seconds from 0 to 86400");
      if (key == "Watchdog") out_->watchdog_s = static_cast<unsigned>(*seconds);
      if (key == "StopTimeout") run.grace_s = static_cast<double>(*seconds);
      if (key == "Timeout") run.timeout_s = static_cast<double>(*seconds);
    } else {
      return fail("unknown key " + key + "= in [Guest]: known are Image, Args, Environment, Memory, Hypervisor, "
                  "WorkingDirectory, Restart, RestartExitCodes, Watchdog, StopTimeout, Timeout");
    }
    return true;
  }

  std::string path_;
  GuestFile* out_;
  std::string section_;
  int number_ = 0;
  std::string restart_ = "no";
  std::string restart_codes_;
  std::string error_;
};

}  // namespace

std::optional<std::vector<std::string>> split_words(const std::string& text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i == text.size()) break;
    std::string word;
    char quote = 0;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (quote == 0 && (c == ' ' || c == '\t')) break;
      if (c == '\\' && i + 1 < text.size()) {
        const char next = text[++i];
        word += next == 'n' ? '\n' : next == 't' ? '\t' : next;
      } else if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
      } else if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    }
    if (quote != 0) return std::nullopt;
    words.push_back(std::move(word));
  }
  return words;
}

std::optional<GuestFile> parse_guest_file(const std::string& path, const std::string& text, std::string* error) {
  GuestFile file;
  file.run.name = std::filesystem::path(path).stem().string();
  std::string why;
  if (!valid_guest_name(file.run.name, &why)) {
    *error = path + ": the file's name is the guest's, and " + why;
    return std::nullopt;
  }
  Parser parser(path, &file);
  std::istringstream in(text);
  std::string raw;
  std::string logical;
  int number = 0;
  int first = 0;
  while (std::getline(in, raw)) {
    ++number;
    if (logical.empty()) first = number;
    std::string piece = trim(raw);
    // A trailing backslash joins the next line (comments are never continued).
    if (!piece.empty() && piece.back() == '\\' && piece[0] != '#' && piece[0] != ';') {
      piece.pop_back();
      logical += piece + " ";
      continue;
    }
    logical += piece;
    if (!parser.line(first, trim(logical))) {
      *error = parser.error();
      return std::nullopt;
    }
    logical.clear();
  }
  if (!logical.empty() && !parser.line(first, trim(logical))) {
    *error = parser.error();
    return std::nullopt;
  }
  if (!parser.finish()) {
    *error = parser.error();
    return std::nullopt;
  }
  return file;
}

}  // namespace monocell::systemd
