// Evaluation during training: every few iterations, the policies as they are now play episodes
// that nobody learns from, usually without exploring, so the run reports how well the greedy
// policy does next to the (exploring) training return.
//
// An evaluation runs on its own rollout workers, built fresh for each evaluation: their envs
// reset at the start, so no evaluated episode mixes two versions of the weights, and their seeds
// derive from the run's seed and the iteration, so a resumed run evaluates exactly as an
// uninterrupted one and a checkpoint holds nothing of it. The workers act with clones of the
// trainer's policies (clones share the weights, so they act with the current ones) and start
// from the training worker's observation filters.
//
// How much is evaluated follows RLlib's rounds. With W = max(1, num_workers) workers and a
// duration of N episodes, each worker samples one episode per call (complete_episodes, fragment
// 1); with N timesteps, each samples ceil(N / W) steps per sub-env (truncate_episodes). Then,
// while fewer than N units are done, a round asks worker i (0-based) for a sample if
// i * u < N - done, where u is 1 episode or the steps one call takes: N episodes exactly (the
// last round uses the first workers only), and timesteps rounded up to whole calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "phantom/env_config.hpp"
#include "phantom/policy_mapping.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace phantom {

/// What evaluation's duration counts.
enum class EvaluationUnit { episodes, timesteps };

/// Evaluation during training (see the top of this file). Off unless `interval` > 0.
struct EvaluationOptions {
  /// Evaluate after iterations interval, 2 x interval, ... (1-based); 0: never.
  int interval = 0;
  /// How much each evaluation samples, in `unit`s (> 0).
  int64_t duration = 10;
  EvaluationUnit unit = EvaluationUnit::episodes;
  /// Evaluation workers; 0 means one (RLlib's local evaluation worker).
  int num_workers = 0;
  /// Sub-envs per evaluation worker (>= 1).
  int num_envs = 1;
  /// Whether the evaluated policies explore (RLlib's evaluation_config {"explore": ...});
  /// false: each acts with its distribution's deterministic action.
  bool explore = false;
  /// The evaluation envs' config; unset: the training env config.
  std::optional<EnvConfig> env_config;
  /// Another mapping for evaluation (e.g. the trained policy against a fixed opponent); it may
  /// name only policies the trainer has. Unset: the training mapping.
  std::optional<PolicyMapping> policies;
};

/// Runs the evaluations of one training run (built by the trainer; see the top of this file).
class Evaluator {
 public:
  /// `make_env` builds the training envs from a config, `training_env` is the first of them;
  /// `policies` are the trainer's, by id; `training` holds the options of the training worker,
  /// whose filters, action handling and callbacks evaluation reuses. Throws ConfigError naming
  /// the option for bad options, if the evaluation env config gives other strategic agents than
  /// the training env (the policies were built for those), and as RolloutWorker's constructor
  /// for a mapping that does not fit (checked here, up front).
  Evaluator(EvaluationOptions options, EnvFactory make_env, const PhantomEnv& training_env,
            EnvConfig training_env_config, const PolicyMap& policies,
            const PolicyMapping& training_mapping, RolloutWorkerOptions training);

  const EvaluationOptions& options() const { return options_; }
  /// Whether iteration `iteration` (0-based) is followed by an evaluation.
  bool due(int iteration) const;
  /// The policy controlling each strategic position of the evaluation envs.
  const ResolvedPolicies& resolved() const { return resolved_; }
  /// Evaluates after iteration `iteration` (0-based) with the policies as they are and the
  /// filters of `training_worker`. Adds the steps, finished episodes, returns and metrics
  /// (reduced with their eval actions) to `out`, which must be sized (IterationStats::reset)
  /// for the env's strategic agents and the metrics.
  void run(int iteration, RolloutWorker& training_worker, IterationStats& out);

 private:
  std::unique_ptr<RolloutWorker> make_worker(int iteration, int index, int count) const;

  EvaluationOptions options_;
  EnvFactory make_env_;
  EnvConfig env_config_;
  PolicyMap policies_;
  PolicyMapping mapping_;
  RolloutWorkerOptions worker_options_;
  ResolvedPolicies resolved_;
};

}  // namespace phantom
