// RolloutWorker: steps N copies of an env with a set of policies and returns what happened as
// training batches, cut the way the trainer asked.
//
// One poll of the worker (every sub-env advances one step):
//  1. act: every agent the env says acts (StepResult::acts) gets its policy (mapping function,
//     called once per agent per episode), its observation is already filtered, and each policy
//     computes the actions of all its agents in all sub-envs in one batch. A transition row is
//     opened per action: obs, the action as chosen, log-prob, value, episode id, agent index,
//     t, previous action and reward. The env receives the action rescaled (normalize_actions)
//     or clipped (clip_actions); the row keeps the action as chosen;
//  2. step every sub-env;
//  3. observe: every observation is filtered once, as it arrives (the filter learns from it).
//     Rewards are added to the agent's open row and to the episode's totals. A row closes when
//     its agent acts again (new_obs = that observation), leaves the episode, or the episode
//     ends (terminated / truncated flags; a hard horizon counts as truncated, so it is
//     bootstrapped; new_obs = the agent's latest observation, even if the last step did not
//     observe it). callbacks.on_episode_step fires;
//  4. cut: when a sub-env's fragment is full (truncate_episodes), or its episode ends, each
//     agent's closed rows form one piece: rewards clipped, callbacks.on_postprocess_trajectory
//     (which may rewrite rewards), then the policy's postprocess_trajectory (advantages, so
//     rewrites change training), then the piece joins its policy's batch. An ended episode is
//     reported (get_metrics) and the sub-env is reset (or, at a soft horizon, continues).
//
// Determinism: every sub-env has its own seed (worker seed + 1000 * worker index + vector
// index, RLlib's rule) and acting draws from one generator of the worker in a fixed order
// (policies in id order, sub-envs in order, agents in order), so a worker's batches depend on
// its seed and inputs only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "nn/serialize.hpp"
#include "phantom/env.hpp"
#include "phantom/env_config.hpp"
#include "phantom/metrics.hpp"
#include "phantom/policy.hpp"
#include "phantom/policy_mapping.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/sampling/callbacks.hpp"
#include "trainers/sampling/episode.hpp"
#include "trainers/sampling/episode_metrics.hpp"
#include "trainers/sampling/filter_set.hpp"
#include "trainers/sampling/multi_agent_batch.hpp"
#include "trainers/sampling/non_finite.hpp"
#include "trainers/sampling/sample_batch.hpp"
#include "trainers/sampling/trainable_policy.hpp"

namespace phantom {

/// What an env factory is told about the env it builds.
struct EnvContext {
  EnvConfig config;
  /// 0 for the local (driver) worker, 1..num_workers for the others.
  int worker_index = 0;
  /// Which of the worker's sub-envs (0..num_envs-1).
  int vector_index = 0;
  int num_workers = 0;
};

/// Builds one env for a worker.
using WorkerEnvFactory = std::function<std::unique_ptr<PhantomEnv>(const EnvContext&)>;

/// How sample() cuts the experience into batches.
enum class BatchMode {
  /// Each sub-env contributes exactly rollout_fragment_length steps per sample(), cutting
  /// episodes anywhere (a cut piece is bootstrapped by the policy's postprocessing).
  truncate_episodes,
  /// sample() returns whole episodes only: at least num_envs x rollout_fragment_length steps.
  complete_episodes,
};

/// What rollout_fragment_length counts.
enum class CountStepsBy {
  env_steps,    // one per sub-env step, however many agents acted
  agent_steps,  // one per action taken
};

/// Reward clipping applied to training rows (episode metrics always use raw rewards).
struct RewardClipping {
  enum class Mode { off, sign, clamp };
  /// off: rewards unchanged; sign: r := sign(r) in {-1, 0, 1}; clamp: r := clamp(r, -limit,
  /// limit).
  Mode mode = Mode::off;
  double limit = 1.0;
  static RewardClipping sign() { return {Mode::sign, 1.0}; }
  static RewardClipping clamp(double limit) { return {Mode::clamp, limit}; }
};

/// The worker's settings. Defaults are RLlib's.
struct RolloutWorkerOptions {
  /// Sub-envs stepped together (>= 1).
  int num_envs = 1;
  /// Steps per sub-env per fragment (>= 1); the worker's batch target is this x num_envs.
  int64_t rollout_fragment_length = 100;
  BatchMode batch_mode = BatchMode::truncate_episodes;
  CountStepsBy count_steps_by = CountStepsBy::env_steps;
  /// Episodes end after this many steps (default: the env's own num_steps). A horizon above the
  /// env's num_steps is a ConfigError.
  std::optional<int64_t> horizon;
  /// At the horizon, close the episode for metrics and callbacks but keep the env running (no
  /// reset); rows are not marked done there.
  bool soft_horizon = false;
  /// Never mark a row terminated or truncated (the env is still reset).
  bool no_done_at_end = false;
  RewardClipping clip_rewards;
  /// Box actions with finite bounds: the policy acts in [-1, 1], rescaled to [low, high] for the
  /// env (then clipped). Takes precedence over clip_actions.
  bool normalize_actions = true;
  /// Box actions are clipped to their bounds for the env.
  bool clip_actions = false;
  /// An evaluation worker: env metrics are reduced with their eval reduce action (callbacks can
  /// read this through worker.options()).
  bool in_evaluation = false;
  /// "NoFilter", "MeanStdFilter" or "ConcurrentMeanStdFilter": one filter per policy.
  std::string observation_filter = "NoFilter";
  /// Policies that learn (learn_on_batch, compute_gradients); nullopt: every trainable policy.
  std::optional<std::vector<std::string>> policies_to_train;
  /// The worker's seed is seed + worker_index; its sub-envs get worker seed + 1000 x
  /// worker_index + vector_index. nullopt: seed 0 everywhere (still deterministic).
  std::optional<uint64_t> seed;
  int worker_index = 0;
  int num_workers = 0;
  /// The env config every sub-env gets (in its EnvContext).
  EnvConfig env_config;
  /// Callbacks (null: none).
  std::shared_ptr<Callbacks> callbacks;
  /// Env metrics, recorded after every step and reduced per episode (collect_stats).
  NamedMetrics metrics;
  /// Keep an EpisodeRecord of every finished episode for get_metrics(). Building a record
  /// allocates (its tables are copied), so a trainer that reports through collect_stats() alone
  /// turns this off to keep its steady-state loop allocation-free.
  bool keep_episode_records = true;
  /// Episode custom metrics (Episode::custom_metrics, set by callbacks) that collect_stats()
  /// reports, in this order: each finished episode's value, unless missing or NaN.
  std::vector<std::string> custom_metrics;
  /// The sampling pipeline of RLlib's `sample_async`, made deterministic: exactly one fragment
  /// is in flight. Each sample() hands out the fragment sampled at the previous call and samples
  /// the next one with the policies as they are now, so a batch was sampled with the weights
  /// from one update before those it is learned with. (The first call samples two.) The
  /// fragment in flight is sampled in the calling thread; its statistics and episode records
  /// travel with it (collect_stats, get_metrics report the fragment handed out), and
  /// checkpoints hold it.
  bool sample_async = false;
  /// A non-finite reward or observation (as it arrives), or a non-finite loss or gradient
  /// norm (learn_on_batch, before the update is applied): raise a TrainingError naming the
  /// policy, agent, episode and step (the default); or carry on with 0 in place of the bad
  /// values (never feeding them to the filter's statistics or the episode's returns) and have
  /// learn_on_batch skip that policy's batch, counted by take_skipped_batches().
  NonFiniteAction on_non_finite = NonFiniteAction::raise;
  /// Threads stepping the sub-envs (1: the calling thread only). Only env.step() runs on them,
  /// and only while the steps are dear enough for that to pay (nn::MeasuredSplit); everything
  /// else runs in sub-env order, so the batches do not depend on this number.
  int num_threads = 1;
  /// Offline output (trainers/offline/json_writer.hpp): when not empty, every batch sample()
  /// returns is also appended, as one JSON line, to the files
  /// <output_dir>/output-<UTC time>_worker-<worker_index>_<n>.json (the directory is created).
  /// A policy whose actions carry no behaviour probability (not a TrainablePolicy, not
  /// exploring, or exploring without sampling its distribution: epsilon-greedy, random, noise;
  /// TrainablePolicy::records_action_probabilities) has its action_logp and action_prob
  /// columns left out, so that an off-policy estimator refuses its data instead of reading 1.
  std::string output_dir;
  /// A new output file is started once the current one holds this many bytes (>= 1).
  int64_t output_max_file_size = int64_t{64} << 20;
};

/// Policy id -> policy. Trainable policies (TrainablePolicy) record log-probs and values and
/// can learn; other policies act with log-prob 0 and never learn.
using PolicyMap = std::map<std::string, std::shared_ptr<Policy>>;

class RolloutWorker {
 public:
  /// Builds num_envs sub-envs, checks `mapping` against the first (PolicyMapping::assign) and
  /// that `policies` holds every policy it names, and makes one filter per policy. Throws
  /// ConfigError for bad options (naming the option), a policy the mapping names but
  /// `policies` lacks, or sub-envs whose agents differ from the first's.
  RolloutWorker(WorkerEnvFactory make_env, PolicyMap policies, const PolicyMapping& mapping,
                RolloutWorkerOptions options = {});
  /// The same with a mapping function (agent id, episode) -> policy id, called the first time
  /// an agent appears in an episode and cached for the rest of it. An id not in `policies` is a
  /// ConfigError naming the agent and the id.
  RolloutWorker(WorkerEnvFactory make_env, PolicyMap policies, PolicyMappingFn mapping_fn,
                RolloutWorkerOptions options = {});
  ~RolloutWorker();
  RolloutWorker(const RolloutWorker&) = delete;
  RolloutWorker& operator=(const RolloutWorker&) = delete;

  const RolloutWorkerOptions& options() const { return options_; }
  int worker_index() const { return options_.worker_index; }

  // ---- Sampling ----

  /// Samples one batch (see BatchMode; with sample_async, the fragment in flight); fires
  /// on_sample_end on each fragment when it is sampled. The batch is the worker's own storage,
  /// valid until the next sample() (copy it to keep it).
  MultiAgentBatch& sample();
  /// Episodes finished since the last call (drained); empty with keep_episode_records off.
  std::vector<EpisodeRecord> get_metrics();
  /// Adds the steps, finished episodes' returns per strategic agent and reduced env metrics
  /// since the last call to `stats` (sized for the env's strategic agents and the metrics),
  /// merging the sub-envs in order, then starts counting again.
  void collect_stats(IterationStats& stats);
  /// As collect_stats, but appends to `parts` the statistics it would merge, unmerged, in the
  /// order it would merge them (one per sub-env; with sample_async, the fragment's, if one was
  /// handed out). Merging them into `stats` in that order gives collect_stats' bits exactly,
  /// which a driver in another process needs (a sum of sums rounds differently).
  void collect_stats_parts(std::vector<IterationStats>& parts);

  // ---- Learning ----

  /// learn_on_batch of every policy to train that has rows in `batch`, writing each one's
  /// statistics to stats[policy id] (entries are reused: no allocation in steady state).
  /// callbacks.on_learn_on_batch runs first; what it puts in its result map is reported as
  /// "custom_metrics/<name>". A policy whose rows received a non-finite value while the batch
  /// was sampled (batch.non_finite), or whose learning throws TrainingError (a non-finite loss
  /// or gradient norm, found before the update is applied), is handled by
  /// options().on_non_finite: raise a TrainingError naming the policy, or skip it and count it.
  void learn_on_batch(MultiAgentBatch& batch, std::map<std::string, LearnerStats>& stats);
  /// Policy batches learn_on_batch skipped since the last call (NonFiniteAction::skip).
  int64_t take_skipped_batches();
  /// compute_gradients of every policy to train with rows in `batch`.
  std::map<std::string, Gradients> compute_gradients(MultiAgentBatch& batch,
                                                     std::map<std::string, LearnerStats>& stats);
  /// apply_gradients per policy id (no training filter: whatever is given is applied).
  void apply_gradients(const std::map<std::string, Gradients>& gradients);
  /// Whether `policy_id` learns on this worker.
  bool is_trained(const std::string& policy_id) const;

  // ---- Weights, global vars, filters, state ----

  /// Weights of the trainable policies (or only of `policy_ids`), each under "<policy id>".
  nn::StateDict get_weights(const std::vector<std::string>& policy_ids = {}) const;
  /// Sets the weights of every trainable policy present in `weights`, then the global vars.
  void set_weights(const nn::StateDict& weights, std::optional<GlobalVars> vars = std::nullopt);
  /// Gives every trainable policy the global vars.
  void set_global_vars(const GlobalVars& vars);
  const GlobalVars& global_vars() const { return global_vars_; }
  FilterSet& filters() { return filters_; }
  /// Copies of the filters; with flush_after, their buffers are emptied afterwards.
  FilterSnapshot get_filters(bool flush_after);
  void sync_filters(const FilterSnapshot& snapshot);
  /// Everything needed to continue bit for bit: the filters (with their buffers: saving does not
  /// flush them), every trainable policy's state, the worker's generator and global vars, and
  /// each sub-env mid-episode (the env is restored by replaying the actions since its reset;
  /// the episode's rows, rewards, bindings, custom metrics and hist data are saved as data;
  /// Episode::user_data holds arbitrary values and is not saved). Restore into a worker built
  /// with the same factory, policies and options.
  void save(nn::StateDict& out, const std::string& prefix) const;
  void restore(const nn::StateDict& in, const std::string& prefix);

  // ---- Access ----

  int num_envs() const;
  PhantomEnv& env(int vector_index);
  /// The seed of sub-env `vector_index`: worker seed + 1000 x worker_index + vector_index (so
  /// seed + 1001 x worker_index + vector_index). Its k-th episode resets with a seed derived
  /// from (this seed, k), so a restored worker replays the same episodes.
  uint64_t sub_env_seed(int vector_index) const;
  /// The worker's seed: options.seed + worker_index.
  uint64_t worker_seed() const;
  /// Where a sub-env's reset() or step() raised an exception (the lowest vector index if
  /// several did), for messages that let the failure be replayed.
  struct EnvFailure {
    int vector_index = 0;
    uint64_t episode_seed = 0;
    int64_t step = 0;  // 1-based; 0: the reset
  };
  /// The failure of a sub-env, if one ever let an exception through.
  std::optional<EnvFailure> env_failure() const;
  /// f(sub-env, vector index) for every sub-env, in order (e.g. to change every env's task).
  void foreach_env(const std::function<void(PhantomEnv&, int)>& f);
  /// f(policy, id) for every policy in id order; foreach_trainable_policy: the trained ones.
  void foreach_policy(const std::function<void(Policy&, const std::string&)>& f);
  void foreach_trainable_policy(const std::function<void(TrainablePolicy&, const std::string&)>& f);
  /// The policy with this id, or null.
  Policy* get_policy(const std::string& policy_id) const;

 private:
  struct SubEnv;
  struct Fragment;
  struct Impl;
  RolloutWorker(WorkerEnvFactory make_env, PolicyMap policies, const PolicyMapping* mapping,
                PolicyMappingFn mapping_fn, RolloutWorkerOptions options);
  uint64_t sub_env_seed_for(int vector_index) const;
  void collect_sub_env_stats(IterationStats& stats);
  TrainablePolicy& trainable(const std::string& policy_id) const;
  // The poll (see the top of this file) and the episode boundaries.
  int bind(SubEnv& s, int position);
  int bind_first_time(SubEnv& s, int position);
  void filter_observation(SubEnv& s, int position);
  void replace_non_finite_observation(SubEnv& s, int position);
  void note_non_finite(SubEnv& s, int position, const char* what, double value);
  void start_episode(SubEnv& s);
  int64_t episode_id(SubEnv& s) const;
  void act();
  MultiAgentBatch& sample_fragment();
  /// Appends `batch` to the offline output when there is one; returns it.
  MultiAgentBatch& write_output(MultiAgentBatch& batch);
  void step_envs();
  bool observe(SubEnv& s);
  void close_row(SubEnv& s, int position, bool terminated, bool truncated);
  void emit_piece(SubEnv& s, int position);
  void emit_pieces(SubEnv& s);
  void end_episode(SubEnv& s, bool soft);
  void save_sub_env(const SubEnv& s, nn::StateDict& out, const std::string& prefix) const;
  void restore_sub_env(SubEnv& s, const nn::StateDict& in, const std::string& prefix);
  void save_fragment(const Fragment& f, nn::StateDict& out, const std::string& prefix) const;
  void restore_fragment(Fragment& f, const nn::StateDict& in, const std::string& prefix);

  RolloutWorkerOptions options_;
  FilterSet filters_;
  GlobalVars global_vars_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phantom
