// Which files an offline input source names: a file, a directory (its *.json files) or a glob
// pattern whose last path component holds the wildcards '*' (any run of characters, also none)
// and '?' (exactly one character), as in "results/logs/output-*_worker-1_?.json".
//
// The wildcards are matched here, by a few lines of code, rather than by POSIX glob(3): the
// library runs where the C++17 standard library runs, and std::filesystem lists directories
// everywhere. Only the last component may hold wildcards (the directory part is taken as it
// is), and a name starting with '.' is matched like any other. The files are returned sorted
// by path, so that what a seeded reader picks never depends on the order a directory lists
// its entries in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace phantom {

/// Whether `name` matches `pattern`, whose '*' matches any run of characters (also none) and
/// '?' exactly one; every other character matches itself.
bool glob_match(std::string_view pattern, std::string_view name);

/// The regular files `source` names (see the top of this file), sorted by path: the file
/// itself; a directory's files ending in ".json"; or the files of the pattern's directory whose
/// names match its last component. Throws ConfigError naming `source` (and what was looked for)
/// if it names no file.
std::vector<std::string> find_input_files(const std::string& source);

}  // namespace phantom
