// Writing a file so that a reader (or a crash) never sees half of it: the bytes go to a temporary
// file beside the target, which is flushed, synced to disk and then renamed over the target. On
// POSIX the rename is atomic, so the target holds the old contents or the new ones, never a mix,
// and a crash right after the rename cannot leave an empty file under the real name (the data
// was on disk first).
//
// This is the one implementation of that procedure. Checkpoints (nn/serialize.hpp) and the small
// text files of a results directory (analysis/text_file.hpp) both write through it; they differ
// only in the temporary name they pick (see write_file_atomic).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace nn {

/// Replaces `path` with `bytes` through the temporary file `temporary` (beside `path`, so the
/// rename stays on one file system): write, flush, sync, close, each step checked, then rename.
/// On failure the temporary is removed (unless it could not even be created: then it is not
/// ours), `path` is left as it was, and phantom::Error says "cannot write '<path>': ..." with
/// the step that failed and the system's reason.
///
/// The temporary's name is the caller's choice: a fixed one ("<path>.tmp") for a file only one
/// writer updates, so an interrupted save leaves at most one stale temporary, which the next save
/// replaces; unique_temporary_path() where several processes may update one file at once.
void write_file_atomic(const std::string& path, std::string_view bytes,
                       const std::string& temporary);

/// "<path>.tmp.<process id>.<n>", with n counting the calls of this process: a name no other
/// writer uses.
std::string unique_temporary_path(const std::string& path);

/// Flushes `file`, syncs it to disk (where the system can) and closes it, whatever happens.
/// Returns 0, or the errno of the first step that failed (EIO when the C library set none).
int flush_sync_close(std::FILE* file);

}  // namespace nn
