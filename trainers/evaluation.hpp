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
//
// Parallel to training, an evaluation starts before the iteration's training step, on a thread
// of its own, with snapshots of the policies (Policy::snapshot: their own copy of the weights)
// and of the filters; the iteration's row reports it once both are done. It therefore evaluates
// the weights from before the step ("one behind"): what evaluation after iteration k reports is
// what sequential evaluation after iteration k - 1 would. Nothing it uses is shared with the
// training step, so results are the same on every run and for every thread count.
//
// Where the evaluation workers sample is apart from all this (trainers/evaluation_workers.hpp):
// in process, or in other processes (over MPI: on the worker ranks, mpi/). A round's workers are
// known before it starts, and their samples are merged, and their failures handled, in worker
// order, so both give the same bits.
//
// An env that throws during evaluation ends it with an EnvError naming the evaluation worker
// (and its rank, when it lives on another rank of an MPI job), the sub-env, the episode seed and
// the step. With ignore_worker_failures, the episode is dropped instead, counted in
// evaluation/failed_episodes, and the worker is rebuilt with a new seed (the same one would
// replay the failure; the seed follows the count of rebuilds so far, counted in worker order)
// and the same weights and filters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "phantom/env_config.hpp"
#include "phantom/policy_mapping.hpp"
#include "trainers/evaluation_workers.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace phantom {

/// What evaluation's duration counts.
enum class EvaluationUnit { episodes, timesteps };

class EvaluationContext;
class EvaluationWorkerBuilder;

/// Evaluation during training (see the top of this file). Off unless `interval` > 0.
struct EvaluationOptions {
  /// `duration` = automatic, with parallel_to_training only: one round per evaluation, so
  /// evaluation takes about as long as a training step: each worker samples one episode (unit
  /// episodes) or 10 steps per sub-env (unit timesteps).
  static constexpr int64_t automatic = -1;

  /// Evaluate after iterations interval, 2 x interval, ... (1-based); 0: never.
  int interval = 0;
  /// How much each evaluation samples, in `unit`s (> 0), or `automatic`.
  int64_t duration = 10;
  EvaluationUnit unit = EvaluationUnit::episodes;
  /// Evaluation workers; 0 means one (RLlib's local evaluation worker). Trained over MPI ranks
  /// (mpi/train_ranks.hpp), N > 0 workers live on the worker ranks, 0 in process on rank 0.
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
  /// Evaluate on another thread during the iteration's training step, with the weights from
  /// before it (see the top of this file). Every evaluated policy must support
  /// Policy::snapshot. The evaluation workers' episode callbacks then run on that thread while
  /// training's run on the trainer's: a callbacks object with state must synchronise, or
  /// evaluation can be given its own (`callbacks`).
  bool parallel_to_training = false;
  /// The evaluation workers' callbacks; null: the training callbacks.
  std::shared_ptr<Callbacks> callbacks;
  /// Replaces the rounds above: called with the evaluation workers (weights and filters already
  /// set), it samples as it likes through the context; the episodes it samples fill the usual
  /// evaluation columns, and the values it sets become "evaluation/<name>" columns. It must
  /// sample an episode or set a value, else a ValueError ends the run. It needs its workers in
  /// process: over MPI ranks with num_workers > 0 it is a ConfigError before training starts.
  std::function<void(EvaluationContext&)> custom;
  /// Every name `custom` may set, in column order (its columns exist from the first row on).
  std::vector<std::string> custom_columns;
  /// Rows of iterations without an evaluation repeat the last evaluation's cells (checkpoints
  /// keep them, so a resumed run writes the same rows).
  bool always_attach = false;
  /// An episode whose env throws is dropped and counted instead of ending the run (see the top
  /// of this file), up to max_failed_episodes per evaluation.
  bool ignore_worker_failures = false;
  /// With ignore_worker_failures: more failed episodes than this in one evaluation end it with
  /// the last failure's EnvError (an env that always fails would otherwise loop forever).
  int max_failed_episodes = 100;
};

/// What an evaluation collects: the episodes' statistics, the failed episodes and the custom
/// values (NaN where unset), in EvaluationOptions::custom_columns order.
struct EvaluationResult {
  IterationStats stats;
  int64_t failed_episodes = 0;
  std::vector<double> custom;
};

/// The evaluation workers of one evaluation, as a custom evaluation uses them.
class EvaluationContext {
 public:
  /// The iteration (0-based) this evaluation follows.
  int iteration() const { return iteration_; }
  int num_workers() const { return workers_.num_workers(); }
  /// Worker i (0-based), e.g. to change its envs' task before sampling. Throws ConfigError
  /// for an index out of range, or for a worker that lives in another process.
  RolloutWorker& worker(int i);
  /// One sample() call on worker i (failures handled as the options say); its finished
  /// episodes join the evaluation's results. Returns the env steps it sampled.
  int64_t sample(int i);
  /// Sets custom value `name`; throws ConfigError unless it is one of custom_columns.
  void set(const std::string& name, double value);

 private:
  friend class Evaluator;
  EvaluationContext(const class Evaluator& evaluator, int iteration, EvaluationWorkers& workers,
                    EvaluationResult& out);
  /// Samples `workers` (one round), then takes their samples in worker order. Returns the
  /// env steps of each, 0 for a failed one.
  std::vector<int64_t> sample_round(const std::vector<int>& workers);
  /// Merges worker i's sample into the result, or handles its failure: rethrows an error that
  /// is not the env's; for the env's, an EnvError naming the worker, unless failures are
  /// ignored (then counted, and the worker rebuilt with the next restart's seed). Returns its
  /// env steps (0 when it failed).
  int64_t take(int i, EvaluationSample& sample);

  const Evaluator& evaluator_;
  int iteration_;
  EvaluationWorkers& workers_;
  EvaluationResult& out_;
  std::vector<EvaluationSample> samples_;  // the last round's
  int restarts_ = 0;                       // workers rebuilt so far
  bool set_any_ = false;
};

/// Runs the evaluations of one training run (built by the trainer; see the top of this file).
class Evaluator {
 public:
  /// `make_env` builds the training envs from a config, `training_env` is the first of them;
  /// `policies` are the trainer's, by id; `training` holds the options of the training worker,
  /// whose filters, action handling and callbacks evaluation reuses. Throws ConfigError naming
  /// the option for bad options, if the evaluation env config gives other strategic agents than
  /// the training env (the policies were built for those), and as RolloutWorker's constructor
  /// for a mapping that does not fit (checked here, up front). `make_workers` builds where the
  /// evaluation workers live (TrainOptions::evaluation_workers); null: in process.
  Evaluator(EvaluationOptions options, EnvFactory make_env, const PhantomEnv& training_env,
            EnvConfig training_env_config, const PolicyMap& policies,
            const PolicyMapping& training_mapping, RolloutWorkerOptions training,
            const EvaluationWorkersFactory& make_workers = nullptr);
  ~Evaluator();

  const EvaluationOptions& options() const;
  /// Whether iteration `iteration` (0-based) is followed by an evaluation.
  bool due(int iteration) const;
  /// The policy controlling each strategic position of the evaluation envs.
  const ResolvedPolicies& resolved() const;

  /// Starts the evaluation after iteration `iteration` (0-based) with the policies as they are
  /// and the filters of `training_worker`: in parallel_to_training mode on its own thread, else
  /// it runs here (or, for evaluation workers that only this thread can reach, in finish(),
  /// with the policies and filters as they were at start()). `shape` sizes the statistics
  /// (strategic agents, metrics, custom metrics).
  void start(int iteration, RolloutWorker& training_worker, const IterationStats& shape);
  /// Waits for the started evaluation and returns its result (valid until the next start()).
  /// Rethrows what it threw: EnvError for an env failure, TrainingError for a non-finite
  /// value, both naming the iteration.
  EvaluationResult& finish();
  /// Waits for the started evaluation, if any, and drops its result and any error (the
  /// training step failed: its error is the one to report).
  void abandon();

 private:
  friend class EvaluationContext;
  void evaluate(EvaluationContext& context) const;
  /// The rounds of the top of this file.
  void run_rounds(EvaluationContext& context) const;

  std::unique_ptr<EvaluationWorkerBuilder> builder_;
  PolicyMap policies_;
  std::unique_ptr<EvaluationWorkers> workers_;
  struct Running;  // the evaluation in progress
  std::unique_ptr<Running> running_;
  EvaluationResult result_;
};

}  // namespace phantom
