// A results directory per training run:
//
//   <base>/<experiment>/LATEST                          names the newest run
//   <base>/<experiment>/20261122-093015-seed7/          one run
//       config.txt   metrics.csv   checkpoint-000010.bin   checkpoint-000020.bin ...
//
//   phantom::ResultsDir run = phantom::ResultsDir::create("results", "cartpole-ppo", seed);
//   run.write_config(config_text);
//   phantom::CsvMetricsLogger log(run.metrics_path(), columns);
//   nn::save_state_dict(dict, run.checkpoint_path(iteration));
//   ...
//   phantom::ResultsDir again = phantom::ResultsDir::open("results/cartpole-ppo/LATEST");
//
// The layout is described in docs/FORMATS.md ("Results directory").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/text_file.hpp"

namespace phantom {

/// A checkpoint file of a run and the iteration it was taken at.
struct CheckpointFile {
  int64_t iteration = 0;
  std::string path;
};

/// One run's directory. Cheap to copy (it only holds the path).
class ResultsDir {
 public:
  /// The wall clock that names new runs; tests pass a fixed time.
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  /// Makes <base>/<experiment>/<YYYYmmdd-HHMMSS>-seed<seed>/ (UTC time from `clock`, or the
  /// system clock if empty) and points <base>/<experiment>/LATEST at it. If that name is taken
  /// (two runs in one second), "-2", "-3", ... is appended. Throws phantom::ConfigError if
  /// `experiment` is not a plain name (see resolve()), phantom::Error (naming the path) if a
  /// directory or LATEST cannot be written.
  static ResultsDir create(const std::string& base, const std::string& experiment, uint64_t seed,
                           const Clock& clock = {});

  /// The run directory `path` means: a run directory itself, an experiment directory (its
  /// LATEST run), or a LATEST file (the run it names). Throws phantom::ConfigError naming the
  /// path if it does not exist, is an empty directory, is neither kind of directory, or its
  /// LATEST names a run that does not exist; phantom::FormatError if LATEST does not hold a
  /// plain name followed by at most one line break. A plain name (also the rule for experiment
  /// names) is non-empty, of printable characters (no NUL or other control byte), without '/'
  /// or a backslash, and not "." or "..", so it always means one directory beside LATEST.
  static std::string resolve(const std::string& path);
  /// ResultsDir(resolve(path)).
  static ResultsDir open(const std::string& path) { return ResultsDir(resolve(path)); }

  /// A run directory that already exists (no checks; see open()).
  explicit ResultsDir(std::string run_dir) : dir_(std::move(run_dir)) {}

  /// The run directory.
  const std::string& path() const { return dir_; }
  /// The directory holding LATEST and the experiment's runs.
  std::string experiment_dir() const;
  std::string metrics_path() const;  // <run>/metrics.csv
  std::string config_path() const;   // <run>/config.txt

  /// Writes config.txt atomically (see write_text_atomic).
  void write_config(std::string_view text) const { write_text_atomic(config_path(), text); }

  /// <run>/checkpoint-000010.bin: six digits at least, so names sort by iteration up to 999999.
  /// Throws phantom::ValueError if `iteration` is negative.
  std::string checkpoint_path(int64_t iteration) const;
  /// The run's checkpoint files, by increasing iteration. Other files (temporaries of an
  /// interrupted save included) are ignored.
  std::vector<CheckpointFile> list_checkpoints() const;
  /// The checkpoint with the highest iteration, if any.
  std::optional<CheckpointFile> latest_checkpoint() const;

 private:
  std::string dir_;
};

/// "<YYYYmmdd-HHMMSS>-seed<seed>" for a time in UTC. UTC so that names sort in the order runs
/// were made in whatever the time zone, and across daylight-saving changes.
std::string run_dir_name(std::chrono::system_clock::time_point time, uint64_t seed);

}  // namespace phantom
