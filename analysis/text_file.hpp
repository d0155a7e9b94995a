// Whole-file text reads and atomic text writes, for the small files of a results directory
// (LATEST, the run's configuration) and for reading CSV files back.
#pragma once

#include <string>
#include <string_view>

namespace phantom {

/// The whole file as a string. Throws phantom::FormatError naming the path and the system's
/// reason if it cannot be opened or read.
std::string read_text_file(const std::string& path);

/// Replaces `path` with `text` atomically: the text goes to a temporary file beside it (a name
/// unique to this process and call), which is flushed, synced to disk and renamed over `path`.
/// Readers see the old contents or the new, never a mix; concurrent writers of the same path do
/// not disturb each other (the last rename wins). On failure the temporary file is removed,
/// `path` is left as it was, and phantom::Error names the path and the system's reason.
void write_text_atomic(const std::string& path, std::string_view text);

}  // namespace phantom
