// The golden files of phantom-regress: what each workload must produce.
//
// <dir>/golden.txt holds one line per workload, "<name> <checksum>" (16 hex digits), after a
// comment block whose "History" part lists, one "# <date> <reason>" line each, why the
// checksums were changed. Reviewers read that file: a changed line there is a changed result.
// <dir>/outputs/<name>.txt holds the workload's per-output hashes, "<hash> <output name>" a
// line, so that a failed check can name the first output that differs (which CSV row, which
// tensor) rather than just the workload.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "digest.hpp"

namespace regress {

/// The contents of golden.txt.
struct Golden {
  /// The history entries, oldest first, without the leading "# ".
  std::vector<std::string> history;
  /// (workload name, checksum), in file order.
  std::vector<std::pair<std::string, uint64_t>> checksums;

  /// The checksum of `name`, or null.
  const uint64_t* find(const std::string& name) const;
  /// Sets (or adds, at the end) the checksum of `name`.
  void set(const std::string& name, uint64_t checksum);
};

/// Reads golden.txt. A missing file is an empty Golden; a line that is neither a comment nor
/// "<name> <16 hex digits>" throws phantom::FormatError naming the file and line.
Golden read_golden(const std::string& path);
/// Writes golden.txt (the explanation block, the history, the checksums) atomically. Throws
/// phantom::Error naming the path if it cannot be written.
void write_golden(const std::string& path, const Golden& golden);

/// Reads an outputs file; a missing file gives no outputs. A malformed line throws
/// phantom::FormatError naming the file and line.
std::vector<Output> read_outputs(const std::string& path);
/// Writes an outputs file atomically.
void write_outputs(const std::string& path, const std::vector<Output>& outputs);

/// The first difference between the expected and the produced outputs, as a sentence naming
/// the output ("metrics.csv:row 7: expected 0123..., got 4567..."); empty if they are equal.
std::string first_difference(const std::vector<Output>& expected,
                             const std::vector<Output>& produced);

}  // namespace regress
