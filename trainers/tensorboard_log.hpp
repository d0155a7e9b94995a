// A training run's TensorBoard scalars: the metrics CSV row of each iteration, as events.
//
// With TrainOptions::tensorboard_dir set, the trainer hands every row it builds for the metrics
// CSV to a TensorBoardLog, which writes each of the row's numbers as a scalar at step = the env
// steps sampled so far (the x axis that compares runs of different batch sizes fairly). Tags
// follow Python Phantom's Trainer where it has one, and are the CSV column names otherwise:
//
//   CSV column                    TensorBoard tag       (Phantom's tag, for the same idea)
//   agent/<id>/reward_mean        rewards/<id>
//   (none: pooled over agents)    rewards/group         mean return over every strategic
//                                                       agent's episodes finished this iteration
//   metric/<name>                 <name>
//   anything else                 the column name       (policy/<id>/reward_*, agent/<id>/
//                                                       reward_min|max, custom/..., counters,
//                                                       the trainer's statistics)
//
// "iteration" and "wall_seconds" are not written: the step and the event's wall time hold them.
// An empty cell (nothing to report this iteration) writes nothing. Tags are cleaned as
// tensorboardX cleans them (clean_tensorboard_tag); two columns whose tags would coincide are a
// ConfigError, since TensorBoard would draw them as one series.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/tensorboard_writer.hpp"
#include "trainers/iteration_stats.hpp"

namespace phantom {

class CsvRow;

/// Writes the metrics CSV rows of a run into a TensorBoard event file (the mapping above).
class TensorBoardLog {
 public:
  /// Starts a new event file in `dir` for a CSV with `columns`. Throws ConfigError naming both
  /// columns if two of them map to the same tag, and what TensorBoardWriter throws.
  TensorBoardLog(const std::string& dir, const std::vector<std::string>& columns);

  /// A resumed run, from a checkpoint taken after `env_steps`: TensorBoard is told to forget the
  /// events at later steps that the interrupted run wrote (the resumed run writes them again).
  void resumed_after(int64_t env_steps) { writer_.add_session_start(env_steps + 1); }

  /// Writes every numeric cell of `row` under its column's tag, and rewards/group from
  /// `returns` (the iteration's episode returns per strategic agent) when an episode finished,
  /// all at step `env_steps`.
  void write(const CsvRow& row, const std::vector<Accumulator>& returns, int64_t env_steps);

  /// The event file's path.
  const std::string& path() const { return writer_.path(); }

 private:
  std::vector<std::pair<std::string, std::string>> tags_;  // (column, tag), in column order
  TensorBoardWriter writer_;
};

/// The tag column `column` is written under, or "" for a column that is not written
/// (iteration, wall_seconds). Uncleaned: the writer cleans it.
std::string tensorboard_tag_of_column(const std::string& column);

/// The tag of the pooled mean return over all agents.
inline constexpr const char* kGroupRewardTag = "rewards/group";

}  // namespace phantom
