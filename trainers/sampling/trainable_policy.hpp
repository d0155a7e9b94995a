// TrainablePolicy: a policy that a rollout worker samples with and that learns from batches.
//
// A plain phantom::Policy only maps observations to actions. A trainable policy also
//  * acts on a batch with the outputs training needs (each action's log-probability and, if it
//    has a value function, the value of the observation);
//  * decides how it explores through an Exploration object (trainers/sampling/exploration.hpp);
//  * postprocesses each trajectory piece before it joins the training batch (advantages and
//    value targets, for PPO);
//  * learns from a batch, or computes and applies gradients in two calls;
//  * exposes its weights (to copy between workers) and its whole state (for checkpoints:
//    weights, optimiser, exploration, global timestep).
//
// The explore/timestep rule lives here, once: an explicit per-call value always wins, else the
// policy's explore setting (set_explore) and its global timestep. Subclasses only say what the
// action distribution is (action_distribution) and how they learn.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nn/distributions.hpp"
#include "nn/serialize.hpp"
#include "nn/tape.hpp"
#include "phantom/policy.hpp"
#include "trainers/sampling/exploration.hpp"
#include "trainers/sampling/observation_filter.hpp"

namespace phantom {

class SampleBatch;

/// What compute_actions() writes; the vectors are resized by the policy and reused by the
/// caller, so acting allocates nothing once they have grown.
struct ActionBatch {
  /// rows x action size: the actions as the policy chose them (before any clipping or
  /// rescaling for the env; log-probabilities refer to these).
  std::vector<float> actions;
  /// rows: log pi(action | obs) under the exploration's log-prob contract.
  std::vector<float> logp;
  /// rows: the value of each observation; empty for a policy without a value function.
  std::vector<float> vf_preds;
};

/// Values the driver broadcasts to every policy after each training step.
struct GlobalVars {
  /// Env steps sampled so far by all workers.
  int64_t timestep = 0;
};

/// Named statistics of one learning step ("policy_loss", ...), in the order first set. Setting
/// a name again replaces its value in place, so a learner that reports the same statistics
/// every step allocates nothing after the first.
class LearnerStats {
 public:
  void set(std::string_view name, double value);
  /// The value of `name`, or NaN.
  double get(std::string_view name) const;
  const std::vector<std::pair<std::string, double>>& values() const { return values_; }
  /// Every value becomes NaN (the names stay): nothing is reported for a step that did not run.
  void reset();

 private:
  std::vector<std::pair<std::string, double>> values_;
};

/// Gradients of the parameters, in parameter order.
using Gradients = std::vector<nn::Tensor>;

class TrainablePolicy : public Policy {
 public:
  /// `exploration` must not be null; `explore` is the default for calls that do not say.
  TrainablePolicy(SpacePtr observation_space, SpacePtr action_space,
                  std::unique_ptr<Exploration> exploration, bool explore = true);

  // ---- Acting ----

  /// Acts on `rows` observations (row-major, observation size each). `explore` and `timestep`
  /// override the policy's setting and global timestep for this call only. The global timestep
  /// then advances by `rows` (as each worker's copy counts its own steps between syncs).
  void compute_actions(const float* observations, int64_t rows, std::optional<bool> explore,
                       std::optional<int64_t> timestep, nn::Rng& rng, ActionBatch& out);
  using Policy::compute_actions;
  /// The Policy interface (rollouts): one row, the policy's explore setting.
  void compute_action(const float* observation, float* action, nn::Rng& rng) override;
  void set_explore(bool explore) override { explore_ = explore; }
  bool explore() const { return explore_; }
  /// Whether compute_actions() fills vf_preds.
  virtual bool has_value_function() const { return false; }
  /// Whether the actions this policy takes now record their behaviour probability: it explores
  /// and its exploration's logp is a true log-probability (Exploration::logp_is_probability).
  /// Offline output leaves action_prob out of the batches of a policy for which this is false.
  bool records_action_probabilities() const {
    return explore_ && exploration_->logp_is_probability();
  }
  /// Writes log pi(actions[r] | observations[r]) for `rows` rows into `logp`: the log-density
  /// of each given action under the policy's action distribution (what StochasticSampling
  /// samples; no exploration is applied). Observations are taken as given (no filter), actions
  /// in the flat layout the policy chose them in (Categorical indices without a Discrete
  /// start). RLlib's compute_log_likelihoods: off-policy estimation reads it.
  void compute_log_likelihoods(const float* observations, const float* actions, int64_t rows,
                               float* logp);

  // ---- Learning ----

  /// Adds what learning needs to one trajectory piece (one agent, one episode, in step order;
  /// rewards already clipped and rewritten by callbacks): e.g. advantages and value targets.
  /// Default: nothing.
  virtual void postprocess_trajectory(SampleBatch& piece) { (void)piece; }
  /// One learning step on `batch` (which it may reorder), writing its statistics to `stats`.
  virtual void learn_on_batch(SampleBatch& batch, LearnerStats& stats) = 0;
  /// Gradients of the loss on `batch` without applying them (for averaging across learners).
  /// Default: throws ConfigError (the policy learns only through learn_on_batch).
  virtual Gradients compute_gradients(SampleBatch& batch, LearnerStats& stats);
  /// Applies gradients from compute_gradients(). Default: throws ConfigError.
  virtual void apply_gradients(const Gradients& gradients);

  /// Sets the optimiser's learning rate (schedules); default: ignored.
  virtual void set_learning_rate(float learning_rate) { (void)learning_rate; }

  // ---- Weights and state ----

  /// The parameters only (what workers exchange), under `prefix`.
  virtual void get_weights(nn::StateDict& out, const std::string& prefix) const = 0;
  virtual void set_weights(const nn::StateDict& in, const std::string& prefix) = 0;
  /// Everything a checkpoint needs: weights, optimiser (save_optimizer), exploration and the
  /// global timestep.
  void get_state(nn::StateDict& out, const std::string& prefix) const;
  void set_state(const nn::StateDict& in, const std::string& prefix);
  /// Receives the driver's global vars (sets the global timestep).
  virtual void on_global_var_update(const GlobalVars& vars) { global_timestep_ = vars.timestep; }
  int64_t global_timestep() const { return global_timestep_; }

  // ---- Acting outside the worker ----

  /// Gives the policy a filter to apply (without updating it) to observations it receives
  /// through the Policy interface (compute_action, rollouts): a copy of the filter it trained
  /// with. The worker filters observations itself and calls compute_actions() above, which
  /// never applies this filter. Null: none.
  void set_observation_filter(std::shared_ptr<ObservationFilter> filter) {
    observation_filter_ = std::move(filter);
  }
  const std::shared_ptr<ObservationFilter>& observation_filter() const {
    return observation_filter_;
  }

  Exploration& exploration() { return *exploration_; }
  const Exploration& exploration() const { return *exploration_; }

  /// A learning policy's parameters change, so a clone that shares them is no snapshot: a
  /// subclass that can copy its parameters overrides this (see Policy::snapshot). Null here.
  std::shared_ptr<Policy> snapshot() const override { return nullptr; }

 protected:
  /// The action distribution of `rows` observations (valid until the next call); when
  /// `vf_preds` is not null, also writes each observation's value there.
  virtual const nn::Distribution& action_distribution(const float* observations, int64_t rows,
                                                      float* vf_preds) = 0;
  /// Optimiser state for checkpoints (default: none).
  virtual void save_optimizer(nn::StateDict& out, const std::string& prefix) const {
    (void)out, (void)prefix;
  }
  virtual void load_optimizer(const nn::StateDict& in, const std::string& prefix) {
    (void)in, (void)prefix;
  }

 private:
  std::unique_ptr<Exploration> exploration_;
  bool explore_;
  int64_t global_timestep_ = 0;
  std::shared_ptr<ObservationFilter> observation_filter_;
  nn::Tape act_tape_;            // distributions and samples live in its arena while acting
  ActionBatch single_;           // compute_action's scratch
  std::vector<float> filtered_;  // compute_action's filtered observation
};

}  // namespace phantom
