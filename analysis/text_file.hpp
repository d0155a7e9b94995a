// Whole-file text reads and atomic text writes, for the small files of a results directory
// (LATEST, the run's configuration) and for reading CSV files back; and PartialFile, for large
// files written piece by piece that should appear under their name only once complete.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace phantom {

/// The whole file as a string. Throws phantom::FormatError naming the path and the system's
/// reason if it cannot be opened or read.
std::string read_text_file(const std::string& path);

/// Replaces `path` with `text` atomically (nn/atomic_file.hpp): the text goes to a temporary file
/// beside it (a name unique to this process and call), which is flushed, synced to disk and
/// renamed over `path`.
/// Readers see the old contents or the new, never a mix; concurrent writers of the same path do
/// not disturb each other (the last rename wins). On failure the temporary file is removed,
/// `path` is left as it was, and phantom::Error names the path and the system's reason.
void write_text_atomic(const std::string& path, std::string_view text);

/// A file written piece by piece to `<path>.partial` and renamed to `<path>` when complete:
///
///   phantom::PartialFile out(path, "rollouts CSV");
///   for (...) out.append(chunk);   // each chunk is in the file when append returns
///   out.close();                   // now, and only now, `path` holds the whole file
///
/// A crash (or an exception that skips close()) leaves `<path>.partial` with every chunk appended
/// so far, and `<path>` as it was. Not copyable (it owns the open file); movable.
class PartialFile {
 public:
  /// Creates `<path>.partial`, replacing any left by an earlier attempt. `what` names the file
  /// in error messages ("rollouts CSV '<path>': ..."). Throws phantom::Error naming the path and
  /// the system's reason if it cannot be created.
  PartialFile(std::string path, std::string what);
  PartialFile(PartialFile&&) = default;
  PartialFile& operator=(PartialFile&&) = default;
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  /// Closes the file without renaming it, and never throws: an unclosed file is incomplete.
  ~PartialFile() = default;

  /// Hands `text` to the system in one write and flushes it. Throws phantom::Error if the file
  /// is closed, or if writing fails; after a failure every later call throws too (the file may
  /// end in part of `text`), and close() leaves the file as `<path>.partial`.
  void append(std::string_view text);
  /// Flushes the file to disk, closes it and renames it over `<path>` (atomically on POSIX).
  /// Throws phantom::Error naming the path and the system's reason on failure, and again at every
  /// later call (as after a failed append), leaving the `.partial` file. Does nothing if already
  /// closed.
  void close();

  /// False once closed (or moved from).
  bool is_open() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  /// `<path>.partial`.
  const std::string& partial_path() const { return partial_path_; }
  /// The prefix of error messages: "<what> '<path>'".
  const std::string& label() const { return label_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  std::string path_;
  std::string partial_path_;
  std::string label_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  bool failed_ = false;  // a write or close failed: the file may be incomplete
};

}  // namespace phantom
