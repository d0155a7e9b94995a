// Trainer: the loop every training algorithm shares (Python Phantom's Trainer, fixed).
//
// train() builds an env to check the policy mapping against, creates the fixed policies from the
// registry, lets the subclass set itself up (its envs and its own policies), then runs
// `iterations` calls of training_step(). After each one it writes a row of the metrics CSV (and,
// with a TensorBoard directory, the same numbers as TensorBoard scalars), updates the progress
// bar and, every checkpoint_every iterations and at the end, saves a checkpoint. resume()
// continues a run from its newest checkpoint, bit-identically.
//
//   phantom::QLearningTrainer trainer(options);
//   phantom::TrainOptions run;
//   run.iterations = 100;
//   run.policies.add("shop", phantom::agents_of_type<ShopAgent>());
//   run.policies_to_train = {"shop"};
//   phantom::TrainingResults results = trainer.train(make_env, phantom::EnvConfig{}, run);
//
// A subclass implements setup(), training_step(), and save_state()/load_state() for everything
// its checkpoint must hold (weights, optimiser state, its generators, its EnvRunners).
#pragma once

#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nn/serialize.hpp"
#include "phantom/env_config.hpp"
#include "phantom/metrics.hpp"
#include "phantom/policy.hpp"
#include "phantom/policy_mapping.hpp"
#include "trainers/evaluation.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/offline/offline_options.hpp"
#include "trainers/offline/offline_session.hpp"
#include "trainers/sampling/callbacks.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "trainers/sampling/worker_set.hpp"

namespace phantom {

class CsvMetricsLogger;
class ResultsDir;

/// What to train, for how long, and where to write the results.
struct TrainOptions {
  /// Iterations of the whole run (>= 1; resume() continues up to this total). Not used by load().
  int iterations = 1;
  /// Every random draw of the run derives from this seed.
  uint64_t seed = 0;
  /// Rollout workers (RLlib's num_workers; trainers/sampling/worker_set.hpp). 0: the trainer's
  /// one worker samples and learns. N >= 1: N workers with indices 1..N, each with its own
  /// sub-envs (seeded by its index) and copies of the policies, sample every iteration and
  /// their batches are concatenated in index order; the local worker only learns, then sends
  /// them its weights and merges their observation filters. An iteration then samples N times
  /// what one worker does. Results do not depend on worker_threads. A checkpoint holds every
  /// worker, so resume() needs the same number. Not with offline input (`input`).
  int num_workers = 0;
  /// Threads sampling the rollout workers, one task per worker (1: one after the other on the
  /// calling thread). With more than one, callbacks run on several threads at once.
  int worker_threads = 1;
  /// Builds the run's WorkerSet (trainers/sampling/worker_set.hpp); null: a LocalWorkerSet,
  /// every worker in this process. Where another implementation (workers in other processes)
  /// plugs in; it must give the bits a LocalWorkerSet gives.
  WorkerSetFactory worker_set;
  /// Builds where the evaluation workers live (trainers/evaluation_workers.hpp); null: in
  /// process. Where another implementation (evaluation workers in other processes) plugs in;
  /// it must give the bits the in-process workers give.
  EvaluationWorkersFactory evaluation_workers;
  PolicyMapping policies;
  std::vector<std::string> policies_to_train;
  /// Builds the policies of other kinds than the trainer's (fixed policies).
  PolicyRegistry registry;
  /// Env metrics, recorded every step and reduced per episode with their train reduce action.
  NamedMetrics metrics;
  /// Hooks into sampling and training (trainers/sampling/callbacks.hpp); null: none.
  /// on_algorithm_init fires once the trainer is set up (before a resumed run's state is
  /// loaded), on_train_result after each iteration, before its CSV row is written, so it may
  /// change the row's values and, through Trainer::foreach_env, every env (a curriculum).
  std::shared_ptr<Callbacks> callbacks;
  /// Custom metrics callbacks set in Episode::custom_metrics, reported per iteration over the
  /// episodes that finished in it as CSV columns "custom/<name>_mean", "_min" and "_max". They
  /// are named up front because the CSV's columns are fixed when it is created.
  std::vector<std::string> custom_metrics;
  /// Evaluation during training (trainers/evaluation.hpp); off unless evaluation.interval > 0.
  /// Each evaluation adds "evaluation/..." columns to the iteration's row (episodes, env steps,
  /// rewards per policy and agent, metrics with their eval reduce action, custom metrics) and
  /// an "eval" field to the progress bar.
  EvaluationOptions evaluation;
  /// A NaN or infinite reward, observation, loss or gradient norm: raise a TrainingError naming
  /// the iteration, policy, agent and step, before the iteration's row and checkpoint are
  /// written (the default); or skip that policy's learning for the iteration, counted in a
  /// "skipped_batches" CSV column.
  NonFiniteAction on_non_finite = NonFiniteAction::raise;
  /// Learning from offline experience (trainers/offline/offline_options.hpp): empty sources
  /// (the default) learn from the rollout worker's samples; otherwise every batch is drawn
  /// from the sources (experience files and/or "sampler"), with off-policy estimates as CSV
  /// columns. docs/EVALUATION.md, "Offline experience". load() ignores it.
  OfflineInputOptions input;

  /// Results directory base; empty: nothing is written.
  std::string results_dir;
  std::string experiment = "experiment";
  /// Checkpoint every N iterations (0: only at the end); only with a results directory.
  int checkpoint_every = 0;
  /// TensorBoard directory; empty: none. Each run (and each resumption) starts a new event file
  /// there holding every number of each metrics CSV row (not the iteration or wall seconds)
  /// at step = env steps so far, tagged as Python Phantom tags them where it has a tag
  /// (rewards/<agent>, rewards/group, the metric's name) and by the CSV column otherwise
  /// (trainers/tensorboard_log.hpp). Independent of results_dir.
  std::string tensorboard_dir;

  bool show_progress = true;
  std::ostream* progress_out = &std::cerr;

  /// Called after each iteration with its 0-based number, its statistics and the env steps so
  /// far; returning true ends training there (e.g. once a target return is reached). The run
  /// then ends as if that were the last iteration (a final checkpoint is written).
  std::function<bool(int iteration, const IterationStats& stats, int64_t env_steps)> on_iteration;
};

/// One setting of a trainer as a run records it in its config.txt (section [trainer]), and what
/// a checkpoint of the run needs of it. load() and resume() compare the recorded values with the
/// trainer's own and refuse one that differs where it matters, naming it.
struct TrainerOption {
  /// When a checkpoint needs the trainer's value to equal the run's.
  enum class Needed {
    /// To be loaded at all or to act as trained: the option shapes the checkpoint's state
    /// (network sizes, filters, sub-envs) or how its policies act. load() and resume() check it.
    kToLoad,
    /// To continue as the run would have (learning settings): resume() checks it.
    kToResume,
    /// Never: it changes no result (e.g. the number of threads). Recorded for the reader.
    kNever,
  };
  /// The option's path in the options struct, e.g. "network.hidden".
  std::string name;
  /// Its value as text, exact ("0.001", "[32, 32]", "true"): two values are equal when their
  /// texts are.
  std::string value;
  Needed needed = Needed::kToResume;
};

/// A trainer's options as config.txt records them.
struct RecordedOptions {
  /// The options struct, named in messages ("PpoOptions"); empty: the trainer records nothing.
  std::string type;
  std::vector<TrainerOption> options;
};

/// What train() returns.
struct TrainingResults {
  /// Every policy of the mapping, trained or not, by id.
  std::map<std::string, std::shared_ptr<Policy>> policies;
  /// The run's directory ("" without a results directory).
  std::string run_dir;
  /// The last iteration's statistics.
  IterationStats last;
  /// Iterations run in total (fewer than asked if on_iteration stopped the run).
  int iterations = 0;
  int64_t env_steps = 0;
};

class Trainer {
 public:
  /// `kind` is the policy kind this trainer trains ("ppo", "qlearning").
  explicit Trainer(std::string kind) : kind_(std::move(kind)) {}
  virtual ~Trainer() = default;
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  const std::string& kind() const { return kind_; }

  /// Calls f on every env of every worker (the local worker's first, then each rollout
  /// worker's, in index order; WorkerSet::foreach_env), e.g. from Callbacks::on_train_result,
  /// to change every env's task; the change applies from the next iteration, mid-episode.
  /// Throws ConfigError before train() set the trainer up.
  void foreach_env(const std::function<void(PhantomEnv&)>& f);

  /// What this trainer sets before its rollout workers sample, beyond their weights, global
  /// vars, filters and exploration (WorkerSet::set_explore), as entries of `out`: for a
  /// WorkerSet whose workers live in other processes, where the same program's trainer receives
  /// it (load_sampling_state) before they sample. The default writes nothing; QLearningTrainer
  /// writes the iteration its epsilon schedule is at.
  virtual void save_sampling_state(nn::StateDict& out) const { (void)out; }
  /// Sets what save_sampling_state wrote (FormatError naming an entry that is missing).
  virtual void load_sampling_state(const nn::StateDict& in) { (void)in; }

  /// Trains from scratch. Throws ConfigError for a bad mapping, an env config with Ranges, an
  /// empty policies_to_train or iterations < 1 (each message says which).
  TrainingResults train(const EnvFactory& make_env, const EnvConfig& env_config,
                        const TrainOptions& options);
  /// Continues the run at `run_path` (a run directory or a LATEST file) from its newest
  /// checkpoint up to options.iterations in total, appending to its metrics CSV. The env
  /// factory, config and options must be the ones of the original run (options.results_dir and
  /// experiment are ignored). The result equals an uninterrupted run's. Throws ConfigError
  /// naming the option when the trainer's options differ from the run's (except those that
  /// change no result, such as threads).
  TrainingResults resume(const std::string& run_path, const EnvFactory& make_env,
                         const EnvConfig& env_config, const TrainOptions& options);
  /// The policies of the run at `run_path` (a run directory, an experiment directory or a
  /// LATEST file: ResultsDir::resolve) as its checkpoint of iteration `checkpoint` saved them
  /// (default: the newest checkpoint); nothing is trained or written. The env factory, config
  /// and options must be the ones of the run (a checkpoint holds weights, not the mapping).
  /// Throws ConfigError naming the directory if it has no checkpoint, or not the one asked for
  /// (listing those it has), and naming the option when the trainer's options differ from the
  /// run's where the checkpoint needs them equal (TrainerOption::Needed::kToLoad; the run's
  /// config.txt records them). Returns the policies, run_dir, and the checkpoint's iteration
  /// and env steps.
  TrainingResults load(const std::string& run_path, const EnvFactory& make_env,
                       const EnvConfig& env_config, const TrainOptions& options,
                       std::optional<int64_t> checkpoint = std::nullopt);

 protected:
  /// What setup() receives.
  struct Setup {
    const EnvFactory* make_env;
    const EnvConfig* env_config;
    const TrainOptions* options;
    /// The mapping checked against the env.
    const ResolvedPolicies* resolved;
    /// Parallel to resolved->policies: the fixed policies are built; the trainer must fill
    /// every null entry (its own kind) with its policy.
    std::vector<std::shared_ptr<Policy>>* policies;
    /// The first env the factory built, which the mapping was resolved against; every sub-env
    /// of the worker must match it (EnvSignature).
    const PhantomEnv* first_env;
  };
  virtual void setup(Setup& setup) = 0;
  /// Runs iteration `iteration` (0-based), filling `stats` (sized for the env's strategic
  /// agents and the metrics) with steps, episodes and the trainer's statistics.
  virtual void training_step(int iteration, IterationStats& stats) = 0;
  /// The names of the statistics training_step() sets, in CSV column order.
  virtual std::vector<std::string> stat_names() const { return {}; }
  /// The trainer's options, for config.txt and for load() / resume() to compare with a run's.
  /// Every option a checkpoint depends on belongs here; the default records none.
  virtual RecordedOptions recorded_options() const { return {}; }
  /// Everything the checkpoint must hold beyond the iteration counter.
  virtual void save_state(nn::StateDict& out) const = 0;
  virtual void load_state(const nn::StateDict& in) = 0;

  /// Builds a new policy of the trainer's kind for position `position` of setup.resolved
  /// exactly as setup() built the learner's (each rollout worker gets its own).
  using OwnPolicyFactory = std::function<std::shared_ptr<Policy>(std::size_t position)>;
  /// Builds the trainer's workers, for setup() once it has filled every policy: the local
  /// worker, with the options `w` (batch mode, sizes, filters...) completed with what the run
  /// decides — the seed, the env config, env metrics, callbacks, custom metrics and the
  /// policies to train — and every policy of the mapping; and TrainOptions::num_workers
  /// rollout workers with the same options (worker index 1..N), fixed policies from the
  /// registry and the trainer's own from `own_policy`. Sub-envs are built by the run's env
  /// factory, each checked against setup.first_env (a ConfigError names the first difference).
  /// Returns the local worker.
  RolloutWorker& make_worker(const Setup& setup, RolloutWorkerOptions w,
                             const OwnPolicyFactory& own_policy);
  /// The local worker (the learner's policies); throws ConfigError before make_worker.
  RolloutWorker& worker() const;
  /// Every worker of the run; throws ConfigError before make_worker.
  WorkerSet& workers() const;
  /// After an iteration's learning: the global vars every policy receives, with timestep = the
  /// env steps sampled so far (the previous value, restored from checkpoints with the worker,
  /// plus this iteration's), sent with the learner's weights to every rollout worker
  /// (WorkerSet::sync_weights); then the rollout workers' observation filters are merged into
  /// the learner's and sent back (WorkerSet::sync_filters). Between two syncs each policy
  /// counts its own actions.
  void sync_workers(const IterationStats& stats);

  // ---- Offline input (TrainOptions::input) ----
  // A training step takes its batches from next_batch() and its numbers from collect_stats();
  // without offline input they are workers().sample() and workers().collect_stats().

  /// The next batch to learn from: the workers' sample (of the first `workers` rollout
  /// workers when that is >= 0; WorkerSet::sample), or the offline input's next batch.
  MultiAgentBatch& next_batch(int workers = -1);
  /// The iteration's steps, episodes and returns (and the off-policy estimates) into `stats`.
  void collect_stats(IterationStats& stats);
  /// The discount the off-policy estimates use (the trainer's gamma); default 1.
  virtual double discount() const { return 1.0; }
  /// The columns a batch of a trained policy must hold to be learned from; default none.
  virtual std::vector<std::string> learned_columns() const { return {}; }

 private:
  /// Where an iteration count, step counters and wall time start (0 for a new run).
  struct Progress {
    int iteration = 0;
    int64_t env_steps = 0, agent_steps = 0;
    double wall_seconds = 0.0;
    std::map<std::string, std::string> last_evaluation;  // cells, for always_attach
  };
  /// What every path sets up the same way: the options checked, a probe env, the resolved
  /// mapping, the trainer's setup() with its worker, the returned policies and the CSV columns.
  struct Prepared {
    std::unique_ptr<PhantomEnv> probe;
    ResolvedPolicies resolved;
    TrainingResults results;
    std::vector<std::string> columns;
  };
  Prepared prepare(const EnvFactory& make_env, const EnvConfig& env_config,
                   const TrainOptions& options);
  /// ConfigError unless options.iterations >= 1 (train and resume; load trains nothing).
  void check_iterations(const TrainOptions& options) const;
  /// Compares the options recorded in `run_dir`'s config.txt with recorded_options(): a
  /// ConfigError if the run's options are another struct (another trainer's), or naming the
  /// first option `what` ("load", "resume") needs and that differs. A run
  /// without config.txt, or without a [trainer] section (written before options were recorded),
  /// is not checked.
  void check_recorded_options(const std::string& run_dir, const char* what) const;
  /// The iteration loop from `start`: training_step, callbacks, the CSV row, progress and
  /// checkpoints (in `dir`, when there is one).
  TrainingResults iterate(Prepared& run, const TrainOptions& options, Progress start,
                          std::optional<ResultsDir>& dir, std::optional<CsvMetricsLogger>& csv);

  std::string kind_;
  std::unique_ptr<WorkerSet> workers_;
  std::unique_ptr<Evaluator> evaluator_;  // null: no evaluation
  // Offline input (TrainOptions::input); null: none.
  std::unique_ptr<OfflineSession> offline_;
};

}  // namespace phantom
