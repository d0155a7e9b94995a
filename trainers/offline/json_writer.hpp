// JsonWriter: appends batches as JSON lines (batch_json.hpp) to a rolling series of files.
//
// A rollout worker with RolloutWorkerOptions::output_dir hands every batch its sample() returns
// to one of these, so a run leaves its experience behind for offline training and off-policy
// estimation. Files are named
//
//   <dir>/output-<YYYY-mm-dd_HH-MM-SS>_worker-<worker index>_<n>.json
//
// with the UTC time at which the file was opened and n = 0, 1, 2...: once the bytes written to
// a file reach the size limit, the next batch opens file n + 1. The time is only in the names,
// never in the contents, so two runs with the same seed write the same lines.
//
// Never torn, two ways considered. Writing each file under a temporary name and renaming it
// when full would hide a file from readers until it reaches the size limit (64 MiB by default:
// a short run would show nothing) and would lose the whole file if the run dies. So instead
// each batch is appended as one whole line and flushed at once: a crash can leave at most the
// last line of the last file partial, and the reader (json_reader.hpp) skips such a line and
// reports it. A file that already exists is never appended to or overwritten: opening it is an
// error naming it (two writers with the same worker index in one directory within a second).
#pragma once

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

#include "trainers/sampling/multi_agent_batch.hpp"

namespace phantom {

/// Appends batches to rolling JSON-lines files (see the top of this file).
class JsonWriter {
 public:
  /// 64 MiB, RLlib's default file size.
  static constexpr int64_t kDefaultMaxFileSize = int64_t{64} << 20;

  /// Writes into `dir` (created if missing, with its parents) as worker `worker_index`, rolling
  /// to a new file once `max_file_size` bytes (>= 1) are written. Throws ConfigError if the
  /// size is below 1 or the directory cannot be created (naming it and the system's reason).
  JsonWriter(std::string dir, int worker_index, int64_t max_file_size = kDefaultMaxFileSize);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  /// Appends `batch` as one line and flushes it. The action_logp and action_prob columns of the
  /// policies in `without_probabilities` are left out. Throws phantom::Error naming the file and
  /// the system's reason if it cannot be created or written (an existing file is never reused).
  void write(const MultiAgentBatch& batch, const std::set<std::string>& without_probabilities = {});

  /// The file being written ("" before the first batch).
  const std::string& current_file() const { return path_; }
  /// Files opened so far (the next one gets this index).
  int files_opened() const { return next_index_; }

 private:
  void open_next();
  void close();

  std::string dir_;
  int worker_index_;
  int64_t max_file_size_;
  std::FILE* file_ = nullptr;
  std::string path_;
  int64_t bytes_ = 0;  // written to the current file
  int next_index_ = 0;
  std::string line_;  // reused
};

}  // namespace phantom
