// Input sources to file lists: the glob matcher and the directory scan.
#include "trainers/offline/input_files.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "nn/error.hpp"

namespace phantom {

namespace fs = std::filesystem;

bool glob_match(std::string_view pattern, std::string_view name) {
  // Greedy matching with one backtrack point: the last '*' seen and where it started to match.
  // A later '*' makes the earlier one's choice final, so this is linear-time in practice.
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;  // let the last '*' take one more character
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> find_input_files(const std::string& source) {
  std::error_code ec;
  const fs::path path(source);
  std::vector<std::string> files;
  auto scan = [&](const fs::path& dir, const std::string& pattern) {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      if (glob_match(pattern, it->path().filename().string())) files.push_back(it->path().string());
    }
  };
  const std::string last = path.filename().string();
  const bool wildcard = last.find_first_of("*?") != std::string::npos;
  if (!wildcard && fs::is_regular_file(path, ec)) {
    files.push_back(source);
  } else if (!wildcard && fs::is_directory(path, ec)) {
    scan(path, "*.json");
  } else if (wildcard) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (fs::is_directory(dir, ec)) scan(dir, last);
  }
  if (files.empty()) {
    throw ConfigError("offline input: no file found for '" + source + "'" +
                      (wildcard ? " (no file in its directory matches the pattern)"
                                : " (expected a file, a directory holding *.json files, or a "
                                  "pattern with '*' or '?' in its last component)"));
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace phantom
