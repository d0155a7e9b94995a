// ActorCritic: the networks of a PPO policy — an actor giving an action distribution and a
// critic giving a state value — for any of the four action spaces.
//
// Observation features: the flat observation as floats, except a Discrete observation, which is
// one-hot encoded (an index is not a magnitude).
//
// Heads, by action space (the actor's output is the distribution's parameters):
//   Discrete(n)          Categorical over n logits       (action = start + index)
//   Box(d)               DiagGaussian: d means, and a learned state-independent log std
//   MultiDiscrete(nvec)  MultiCategorical: sum(nvec) logits
//   MultiBinary(n)       Bernoulli: n logits
//
// Two layouts: separate actor and critic towers (the default, as CleanRL and Python Phantom's
// MLPBase), or one shared trunk with two linear heads. Acting (act()) runs without the autograd
// tape; training (evaluate()) records on the caller's tape.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/distributions.hpp"
#include "nn/layers.hpp"
#include "nn/rng.hpp"
#include "nn/serialize.hpp"
#include "nn/tape.hpp"
#include "nn/tensor.hpp"
#include "phantom/space.hpp"

namespace phantom {

struct ActorCriticConfig {
  std::vector<int64_t> hidden = {64, 64};
  nn::Activation activation = nn::Activation::tanh;
  bool shared_trunk = false;
  /// Orthogonal gains of the output layers (CleanRL: 0.01 for the actor, 1 for the critic).
  float actor_output_gain = 0.01f;
  float critic_output_gain = 1.0f;
  float initial_log_std = 0.0f;  // DiagGaussian heads
  /// Box actions with finite bounds: the network acts in [-1, 1], rescaled to [low, high] for
  /// the env (so one set of hyper-parameters suits any range). Off: actions are clipped to the
  /// bounds as they are.
  bool rescale_box_actions = true;
};

/// What act() writes per row.
struct ActOutput {
  float* actions;    // rows * action_size(): the sampled action (env_action() gives the env's)
  float* log_probs;  // rows, or null: not wanted
  float* values;     // rows, or null: not wanted, and the critic is not run
};

/// Scratch buffers of act() and values(); they grow on first use, then are reused.
struct ActWorkspace {
  std::vector<float> params;  // distribution parameters, rows x actor outputs
  std::vector<float> mlp;     // the Mlps' hidden activations
  std::vector<float> trunk;   // shared-trunk output
};

/// The action distribution of a batch, as ActorCritic::distribution() builds it: one of the four
/// head types, held by value so that building one allocates nothing (but a MultiCategorical's
/// two small vectors).
struct HeadDistribution {
  std::optional<nn::Categorical> categorical;
  std::optional<nn::DiagGaussian> gaussian;
  std::optional<nn::MultiCategorical> multi_categorical;
  std::optional<nn::Bernoulli> bernoulli;
  /// The one built last.
  const nn::Distribution* current = nullptr;
};

/// The networks' differentiable outputs for a minibatch (tensors on the current tape).
struct HeadOutputs {
  nn::Tensor params;  // [B, P]: the action distribution's parameters (a Categorical's logits)
  nn::Tensor value;   // [B]
};

/// Differentiable results of evaluate() (tensors on the current tape).
struct Evaluation {
  nn::Tensor log_prob;  // [B]
  nn::Tensor entropy;   // [B]
  nn::Tensor value;     // [B]
};

class ActorCritic {
 public:
  /// Throws ConfigError naming the space for an unsupported observation or action space.
  ActorCritic(SpacePtr observation_space, SpacePtr action_space, const ActorCriticConfig& config,
              nn::Rng& rng);

  const SpacePtr& observation_space() const { return obs_space_; }
  const SpacePtr& action_space() const { return act_space_; }
  const ActorCriticConfig& config() const { return config_; }
  int64_t feature_size() const { return features_; }
  int64_t action_size() const { return act_space_->flat_size(); }

  /// Writes the network input for one observation (feature_size() floats).
  void write_features(const float* observation, float* out) const;

  /// For `rows` feature rows: samples actions (or takes the mode when `deterministic`), their
  /// log-probabilities and the state values. Draws from `rng` in row order. Allocates nothing
  /// once `workspace` has grown. Several threads may act at once with their own workspaces.
  void act(const float* features, int64_t rows, bool deterministic, nn::Rng& rng,
           const ActOutput& out, ActWorkspace& workspace) const;
  /// The same with one generator per row: row r draws only from rngs[r] (`rows` generators), so
  /// each row gets the action it would get acting alone with that generator. With rows = 1 it is
  /// act() with rng = rngs[0].
  void act(const float* features, int64_t rows, bool deterministic, nn::Rng* rngs,
           const ActOutput& out, ActWorkspace& workspace) const;
  /// Runs the actor on `rows` feature rows (and the critic into `values`, unless null) and
  /// builds their action distribution into `out`, on the tape of the open TapeScope (which must
  /// stay open while the distribution is used). Categorical actions are indices (the Discrete
  /// start is not added). Allocates nothing once `workspace` has grown.
  void distribution(const float* features, int64_t rows, float* values, ActWorkspace& workspace,
                    HeadDistribution& out) const;
  /// State values only (for bootstrapping from a final observation).
  void values(const float* features, int64_t rows, float* out, ActWorkspace& workspace) const;
  /// The action the env receives: a Box action clipped to [-1, 1] and rescaled to the space's
  /// bounds (or, without rescaling, clipped to them); other actions unchanged. The sampled,
  /// unclipped action is what PPO's log-probabilities refer to.
  void env_action(const float* action, float* out) const;

  /// log pi(actions | features), entropy and value for a minibatch, recorded on the current
  /// tape. features [B, feature_size()], actions [B, action_size()] as act() wrote them.
  Evaluation evaluate(const nn::Tensor& features, const nn::Tensor& actions) const;
  /// The actor's and the critic's outputs for a minibatch, recorded on the current tape (the
  /// first part of evaluate(), which builds the distribution from them).
  HeadOutputs outputs(const nn::Tensor& features) const;
  /// Whether the head is a Categorical (a Discrete action space): its logits are outputs().params
  /// and an action is a category index plus discrete_start().
  bool categorical_head() const { return head_ == Head::categorical; }
  /// The Discrete action space's start (0 for other heads).
  int64_t discrete_start() const { return action_offset_; }

  std::vector<nn::Tensor> parameters() const;
  void save(nn::StateDict& out, const std::string& prefix) const;
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  enum class Head { categorical, gaussian, multi_categorical, bernoulli };
  // Actor output (distribution parameters, into workspace.params) and, unless `values` is null,
  // the values for rows, without the tape.
  void forward_rows(const float* features, int64_t rows, float* values,
                    ActWorkspace& workspace) const;
  // Both act()s: row r draws from rngs[r * rng_stride] (stride 0: all rows share rngs[0]).
  void act_rows(const float* features, int64_t rows, bool deterministic, nn::Rng* rngs,
                int64_t rng_stride, const ActOutput& out, ActWorkspace& workspace) const;
  void sample_row(const float* params, bool deterministic, nn::Rng& rng, float* action,
                  float* log_prob) const;

  SpacePtr obs_space_, act_space_;
  ActorCriticConfig config_;
  Head head_;
  int64_t features_ = 0;
  int64_t params_ = 0;             // actor outputs
  int64_t action_offset_ = 0;      // Discrete start
  std::vector<int64_t> nvec_;      // MultiDiscrete
  std::vector<float> low_, high_;  // Box bounds (actions are clipped to them for the env)
  nn::Mlp actor_, critic_;         // separate towers; or trunk_ + linear heads
  nn::Mlp trunk_;
  nn::Linear actor_head_, critic_head_;
  nn::Tensor log_std_;  // [1, d] for DiagGaussian heads
};

}  // namespace phantom
