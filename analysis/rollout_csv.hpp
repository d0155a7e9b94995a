// CSV exports of rollouts (analysis/rollout.hpp), for spreadsheets, pandas and the plotting tool:
//
//   RolloutCsvWriter         long form: one row per rollout x step x agent, with the agent's
//                            observation, action, reward and done flags
//   RolloutMetricsCsvWriter  one row per rollout: its params and reduced metrics
//
//   phantom::RolloutCsvWriter steps(dir + "/rollouts.csv");
//   phantom::RolloutMetricsCsvWriter metrics(dir + "/rollout_metrics.csv");
//   for (const phantom::Rollout& r : runner) {   // rollouts as the runner produces them
//     steps.write(r);
//     metrics.write(r);
//   }
//   steps.close();                               // rollouts.csv.partial -> rollouts.csv
//   metrics.close();
//
// Both write to `<path>.partial` and flush after each rollout, so a crash keeps every rollout
// written so far there; close() renames the file to `<path>`, which therefore only ever holds a
// complete export. The columns are fixed by the first rollout written (its params, agents and
// metrics); every later rollout must have the same ones. The formats are described in
// docs/FORMATS.md ("Rollouts CSV (long form)", "Rollout metrics CSV").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/rollout.hpp"
#include "analysis/text_file.hpp"

namespace phantom {

/// Writes the long-form rollouts CSV: columns `rollout_id,repeat_id,seed,<param names>,step,
/// stage,agent,obs_0..obs_{N-1},action_0..action_{M-1},reward,terminated,truncated`, where N and
/// M are the largest observation and action sizes over the agents of the first rollout. Absent
/// entries, and components beyond an entry's size, are empty cells; flags are 0 or 1. Not
/// copyable (it owns the open file); movable.
class RolloutCsvWriter {
 public:
  /// Creates `<path>.partial` (replacing any left by an earlier attempt). Throws phantom::Error
  /// naming the path and the system's reason if it cannot be created.
  explicit RolloutCsvWriter(const std::string& path);

  /// Appends one row per step and agent of `rollout` (the header first, for the first rollout)
  /// in one write, and flushes. Throws phantom::ConfigError naming the file and what differs if
  /// the rollout's param names, agents or space sizes do not fit the header the first rollout
  /// fixed (or if a param is named like another column), and phantom::Error if the file is
  /// closed or writing fails. Nothing of a rejected rollout is written.
  void write(const Rollout& rollout);
  /// Flushes the file to disk and renames it to path() (an empty file if no rollout was
  /// written: there is no header without one). Throws phantom::Error on failure, leaving the
  /// `.partial` file. Without close(), the destructor leaves the `.partial` file.
  void close();

  const std::string& path() const { return file_.path(); }
  /// Rollouts and rows (not counting the header) written so far.
  std::size_t rollouts() const { return rollouts_; }
  std::size_t rows() const { return rows_; }

 private:
  // Fixes the columns from the first rollout and appends the header line to buffer_.
  void start(const Rollout& rollout);
  // Throws ConfigError if `rollout` has other params or agents, or larger spaces, than the header.
  void check_fits(const Rollout& rollout) const;

  PartialFile file_;
  bool started_ = false;  // the header is in the file
  std::vector<std::string> param_names_;
  std::vector<std::string> agent_ids_;
  int64_t observation_width_ = 0;  // N
  int64_t action_width_ = 0;       // M
  std::string prefix_;             // a rollout's first cells, the same on each of its rows
  std::string buffer_;             // a rollout's rows, reused
  std::size_t rollouts_ = 0;
  std::size_t rows_ = 0;
};

/// Writes the rollout metrics CSV: one row per rollout with columns `rollout_id,repeat_id,seed,
/// <param names>,<metric names>`. A metric cell holds ReducedMetric::value, is empty when that is
/// nullopt, and holds the values joined by single spaces for a metric reduced with `none`. Not
/// copyable; movable.
class RolloutMetricsCsvWriter {
 public:
  /// Creates `<path>.partial`; see RolloutCsvWriter.
  explicit RolloutMetricsCsvWriter(const std::string& path);

  /// Appends the rollout's row (after the header, for the first rollout) and flushes. Throws
  /// phantom::ConfigError naming the file and what differs if the param or metric names differ
  /// from the first rollout's (or a name is used by two columns), phantom::Error if the file is
  /// closed or writing fails.
  void write(const Rollout& rollout);
  /// As RolloutCsvWriter::close.
  void close();

  const std::string& path() const { return file_.path(); }
  /// Rollouts (rows) written so far.
  std::size_t rollouts() const { return rollouts_; }

 private:
  PartialFile file_;
  bool started_ = false;
  std::vector<std::string> param_names_;
  std::vector<std::string> metric_names_;
  std::string buffer_;
  std::size_t rollouts_ = 0;
};

/// Writes `rollouts` with a RolloutCsvWriter and closes it.
void write_rollouts_csv(const std::string& path, const std::vector<Rollout>& rollouts);
/// Writes `rollouts` with a RolloutMetricsCsvWriter and closes it.
void write_rollout_metrics_csv(const std::string& path, const std::vector<Rollout>& rollouts);

}  // namespace phantom
