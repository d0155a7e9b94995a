// OfflineInputOptions: a trainer that learns from experience files instead of (or mixed with)
// what its rollout worker samples, and estimates off-policy how its policy would do
// (TrainOptions::input; docs/EVALUATION.md, "Offline experience").
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace phantom {

/// One source of offline input: experience files, or the trainer's own sampling.
struct InputSource {
  /// A file, a directory (its *.json files) or a pattern with '*' / '?' in its last component
  /// (input_files.hpp); or "sampler": the trainer's rollout worker.
  std::string source;
  /// The chance that a batch comes from this source; the sources' chances sum to 1 (within
  /// MixedInput::kTolerance). Unused when there is one source.
  double probability = 1.0;
};

/// Where a trainer's batches come from, and which off-policy estimates it reports.
struct OfflineInputOptions {
  /// Empty (the default): the trainer learns from its rollout worker's samples. Otherwise every
  /// batch it learns from is drawn from these sources (each file source is read by a JsonReader
  /// seeded from the run's seed).
  std::vector<InputSource> sources;
  /// A shuffle buffer of this many batches over the input (shuffled_input.hpp); 0 or 1: none.
  int shuffle_buffer_size = 0;
  /// Bad lines skipped in a row before reading fails (JsonReaderOptions::max_bad_lines).
  int max_bad_lines = 100;
  /// Called with a sentence for every line a reader skips (blank, corrupt, or a torn last line
  /// of a file); null: nothing is said (the skips are still counted, in the CSV column
  /// "offline/skipped_lines" and "offline/torn_lines").
  std::function<void(const std::string&)> on_warning;
  /// Off-policy estimates of the trained policy on every batch read, before learning on it:
  /// "is", "wis" (CSV columns off_policy/<method>/V_prev, V_step_IS or V_step_WIS, V_gain_est:
  /// means over the iteration's episodes); and "simulation": the rollout worker still samples one
  /// batch per batch read, for the episode returns and metrics of the CSV only (nothing learns from
  /// it). The estimates need a batch of a single policy with an action_prob column.
  std::vector<std::string> evaluation;

  /// Whether any source is given.
  bool active() const { return !sources.empty(); }
};

}  // namespace phantom
