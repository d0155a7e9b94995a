// Callbacks: user code that runs at fixed moments of sampling and training.
//
// A callbacks object lets a user observe and adjust a run without writing a trainer: record
// custom episode metrics, shape rewards after the fact, switch env tasks for a curriculum, or
// initialise policies. Each hook below says when it fires and what it may change; everything
// else it receives is for reading. Every hook does nothing by default, so a subclass overrides
// only the moments it cares about. CallbackList combines several callbacks objects.
//
// For one episode of one sub-env, the worker-side hooks fire in this order:
//
//   on_sub_environment_created            (once per sub-env, before its first reset)
//   on_episode_start                      (after reset; episode.length == 0)
//   on_episode_step  x length             (after each env step; never at length 0)
//   on_postprocess_trajectory per agent   (at a fragment cut or the episode end, sorted agent ids)
//   on_episode_end                        (after the last piece, before the env is reset)
//   on_episode_start of the next episode  (in the same poll, after the env reset)
//
// and on_sample_end once per sample() call, on everything it collected. The driver-side hooks
// (on_algorithm_init, on_train_result, on_evaluate_start/end) run on the trainer's thread.
//
// Threads: a worker-side hook runs on the thread of the worker that fires it. When workers
// sample in parallel and share one callbacks object, its hooks may run at the same time, so
// keep per-episode state in episode.user_data rather than in members of the object.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "trainers/sampling/episode.hpp"

namespace phantom {

// Declared only: the hooks take them by reference, and their definitions live elsewhere.
class RolloutWorker;
class SampleBatch;
struct MultiAgentBatch;
class PhantomEnv;
class Trainer;
class IterationStats;
class TrainablePolicy;
struct EnvContext;

class Callbacks {
 public:
  virtual ~Callbacks() = default;

  /// Driver, once, at the end of the trainer's setup, after all workers (evaluation workers
  /// included) and their policies exist. May change the trainer (e.g. load weights).
  virtual void on_algorithm_init(Trainer& trainer);

  /// Every time a policy is constructed, on every worker, including policies added later. May
  /// change the policy (e.g. initialise its weights); `policy_id` is its id in the policy map.
  virtual void on_create_policy(const std::string& policy_id, TrainablePolicy& policy);

  /// After sub-env `env_index` of `worker` was built, checked and seeded, before its first
  /// reset. `context` is what the env was built from. May change the env (e.g. set its task).
  virtual void on_sub_environment_created(RolloutWorker& worker, PhantomEnv& env,
                                          const EnvContext& context, int env_index);

  /// A new episode started in sub-env `env_index`: the env was reset and every policy's
  /// exploration got its own on_episode_start first; episode.length is 0 and no agent has a
  /// reward yet. Not fired again when a soft horizon continues the env (soft_reset): the
  /// episode object goes on. May change episode.user_data, custom_metrics and hist_data; the
  /// worker owns the other fields.
  virtual void on_episode_start(RolloutWorker& worker, Episode& episode, int env_index);

  /// After each env step of the episode was logged (length counted, rewards added, transition
  /// rows recorded), including the step that ends the episode. Never fired while
  /// episode.length == 0, i.e. not for the observations of the reset. May change the same
  /// episode tables as on_episode_start.
  virtual void on_episode_step(RolloutWorker& worker, Episode& episode, int env_index);

  /// For each agent's trajectory piece, when it is cut (a fragment boundary or the episode
  /// end), in sorted agent id order, after the rows were completed and their rewards clipped,
  /// before the policy's postprocessing (see below) and before the piece joins `policy_id`'s
  /// batch.
  /// May change `postprocessed_batch` in place: rewrite column values (rewards, observations)
  /// or add columns, keeping its rows (one agent, one episode, in order). `original_batch` is
  /// the piece as recorded, for reading only.
  ///
  /// Departure from RLlib: the worker computes the policy's advantages and value targets AFTER
  /// this hook, from the rewards as the hook left them. So a reward rewrite here (shaping,
  /// moving reward to earlier rows of the piece, a curiosity bonus) changes what the policy
  /// learns, with no need to recompute anything. (RLlib computes them before the hook, so
  /// there a reward rewrite alone leaves the advantages, and so training, unchanged.) A piece
  /// may be a fragment of its episode, so reward can only be moved within the piece.
  virtual void on_postprocess_trajectory(RolloutWorker& worker, Episode& episode,
                                         const std::string& agent_id, const std::string& policy_id,
                                         SampleBatch& postprocessed_batch,
                                         const SampleBatch& original_batch);

  /// The episode ended (all agents done, or the horizon reached): after the last pieces were
  /// postprocessed (with their on_postprocess_trajectory calls) and every policy's exploration
  /// got on_episode_end, before the env is reset (or, with a soft horizon, before soft_reset).
  /// May change the episode's tables: custom_metrics and hist_data as this hook leaves them are
  /// what the episode reports.
  virtual void on_episode_end(RolloutWorker& worker, Episode& episode, int env_index);

  /// At the end of a sample() call, on the concatenated batch of everything it collected,
  /// before the worker returns (or writes) it. May change `samples`.
  virtual void on_sample_end(RolloutWorker& worker, MultiAgentBatch& samples);

  /// At the start of a policy's learning step on `train_batch`, before the loss is computed.
  /// May change `train_batch`; entries put in `result` are reported with the learner's
  /// statistics.
  virtual void on_learn_on_batch(TrainablePolicy& policy, SampleBatch& train_batch,
                                 std::map<std::string, double>& result);

  /// Driver, after a training iteration built its result and before the result is logged.
  /// May change `result` (add statistics) and the trainer; a change to the workers' envs (a
  /// curriculum's new task) shows from the next iteration's sampling on, mid-episode.
  virtual void on_train_result(Trainer& trainer, IterationStats& result);

  /// Driver, before an evaluation round samples. May change the trainer.
  virtual void on_evaluate_start(Trainer& trainer);

  /// Driver, after an evaluation round built its result, before it is logged. May change
  /// `evaluation_result`.
  virtual void on_evaluate_end(Trainer& trainer, IterationStats& evaluation_result);
};

/// Callbacks that forward every hook to a list of callbacks objects, in the order they were
/// added, so a user can combine independent callbacks (a metric recorder and a curriculum).
class CallbackList : public Callbacks {
 public:
  CallbackList() = default;
  /// Throws ValueError naming the position of a null entry.
  explicit CallbackList(std::vector<std::shared_ptr<Callbacks>> callbacks);

  /// Appends `callbacks` (it runs after those added before). Throws ValueError if it is null.
  void add(std::shared_ptr<Callbacks> callbacks);
  /// The forwarded-to callbacks, in call order.
  const std::vector<std::shared_ptr<Callbacks>>& callbacks() const { return callbacks_; }

  void on_algorithm_init(Trainer& trainer) override;
  void on_create_policy(const std::string& policy_id, TrainablePolicy& policy) override;
  void on_sub_environment_created(RolloutWorker& worker, PhantomEnv& env, const EnvContext& context,
                                  int env_index) override;
  void on_episode_start(RolloutWorker& worker, Episode& episode, int env_index) override;
  void on_episode_step(RolloutWorker& worker, Episode& episode, int env_index) override;
  void on_postprocess_trajectory(RolloutWorker& worker, Episode& episode,
                                 const std::string& agent_id, const std::string& policy_id,
                                 SampleBatch& postprocessed_batch,
                                 const SampleBatch& original_batch) override;
  void on_episode_end(RolloutWorker& worker, Episode& episode, int env_index) override;
  void on_sample_end(RolloutWorker& worker, MultiAgentBatch& samples) override;
  void on_learn_on_batch(TrainablePolicy& policy, SampleBatch& train_batch,
                         std::map<std::string, double>& result) override;
  void on_train_result(Trainer& trainer, IterationStats& result) override;
  void on_evaluate_start(Trainer& trainer) override;
  void on_evaluate_end(Trainer& trainer, IterationStats& evaluation_result) override;

 private:
  std::vector<std::shared_ptr<Callbacks>> callbacks_;
};

}  // namespace phantom
