// OfflineSession: what a Trainer holds while it learns from offline input (TrainOptions::input).
//
// It builds the input from the options (a JsonReader per file source, the trainer's worker for a
// "sampler" source, a MixedInput over several, a ShuffledInput around them), hands the trainer
// one batch per call, runs the off-policy estimators on each batch before the trainer learns on
// it, and reports per iteration: the steps of the batches handed out (as env_steps and
// agent_steps: the data learned from, as RLlib counts it), the episodes the worker finished (a
// "sampler" source or "simulation"), and the estimates.
//
// Seeds. Each reader draws from its own stream of the run's seed: file source k from stream k,
// the mix and the shuffle buffer from streams of their own, all apart from the worker's. The
// checkpoint holds the readers' places (generators, file offsets, the shuffle buffer's batches)
// and the estimators' running sums, so a resumed run reads and estimates exactly as an
// uninterrupted one, provided the files have not changed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/serialize.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/offline/input_reader.hpp"
#include "trainers/offline/json_reader.hpp"
#include "trainers/offline/off_policy_estimator.hpp"
#include "trainers/offline/offline_options.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace phantom {

/// A trainer's offline input and estimates (see the top of this file).
class OfflineSession {
 public:
  /// Checks the options and builds the input over `worker` (which must outlive the session).
  /// `gamma` discounts the estimates; `required_columns` are those the trainer learns from (a
  /// batch of a trained policy without one is a ConfigError naming the column and the policy);
  /// `who` starts messages ("ppo trainer"). Throws ConfigError for an unknown or repeated
  /// evaluation method, "simulation" together with a "sampler" source, probabilities that do
  /// not sum to 1, a source that names no file, or a bad shuffle_buffer_size or max_bad_lines.
  OfflineSession(const OfflineInputOptions& options, uint64_t seed, RolloutWorker& worker,
                 double gamma, std::vector<std::string> required_columns, std::string who);
  ~OfflineSession();

  /// The next batch to learn from (valid until the next call), estimated first.
  MultiAgentBatch& next();
  /// The iteration's numbers into `stats` (sized by IterationStats::reset): steps of the batches
  /// handed out since the last call, the worker's finished episodes, returns and metrics, and
  /// the estimates' means as statistics (columns()).
  void collect_stats(IterationStats& stats);
  /// The statistics collect_stats sets, in CSV column order.
  const std::vector<std::string>& columns() const { return columns_; }

  /// The input's place in its stream and the estimators' running sums (see above).
  void save(nn::StateDict& out, const std::string& prefix) const;
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  struct Method {
    OffPolicyEstimator estimator;
    Accumulator v_prev, v_target, gain;
  };
  void check_columns(const MultiAgentBatch& batch) const;
  void estimate(const MultiAgentBatch& batch);

  RolloutWorker& worker_;
  std::string who_;
  std::vector<std::string> required_columns_;
  bool simulation_ = false;
  std::vector<std::shared_ptr<JsonReader>> files_;  // the file sources' readers
  std::shared_ptr<InputReader> input_;
  std::vector<Method> methods_;
  std::vector<std::string> columns_;
  int64_t env_steps_ = 0, agent_steps_ = 0;  // handed out since collect_stats
};

}  // namespace phantom
