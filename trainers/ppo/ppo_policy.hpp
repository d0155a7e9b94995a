// PpoPolicy: an ActorCritic that acts, postprocesses its trajectories (GAE) and learns (the
// clipped PPO update), as a TrainablePolicy of the sampling layer.
//
// Acting has two doors onto the same network:
//  * the worker's: TrainablePolicy::compute_actions on filtered observations, through the
//    exploration (StochasticSampling: sample the distribution, or its deterministic action when
//    not exploring), with the log-prob and the value of each row for training;
//  * the Policy interface's (rollouts, evaluation, the single-agent adapter): compute_actions
//    with one generator per row, so a batch gives exactly the actions of its rows taken one by
//    one. It applies the policy's observation filter (without updating it) and returns the
//    action the env receives (Box actions rescaled from [-1, 1] or clipped, as the network's
//    config says).
// Learning lives in ppo_learning.cpp: GAE per trajectory piece, then epochs of minibatch
// updates with the loss of ppo_loss.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nn/optim.hpp"
#include "nn/tape.hpp"
#include "trainers/ppo/actor_critic.hpp"
#include "trainers/ppo/ppo_options.hpp"
#include "trainers/sampling/trainable_policy.hpp"

namespace phantom {

class PpoPolicy : public TrainablePolicy {
 public:
  /// Wraps `net`; learns with `options` (epochs, minibatches, learning rate, GAE, loss) and
  /// shuffles minibatches with `shuffle_rng`. `filter`: see set_observation_filter (null: none).
  PpoPolicy(std::shared_ptr<ActorCritic> net, std::shared_ptr<ObservationFilter> filter = nullptr,
            const PpoOptions& options = {}, nn::Rng shuffle_rng = nn::Rng());
  ~PpoPolicy() override;

  // ---- Policy interface (rollouts) ----

  /// Samples an action (or takes the most likely one when deterministic()). Not thread-safe: it
  /// reuses one workspace (use a clone() per thread).
  void compute_action(const float* observation, float* action, nn::Rng& rng) override;
  /// One batched pass: filter and features for all rows, the actor on all rows (not the
  /// critic), then row r samples with rngs[r]. Gives exactly compute_action()'s actions row by
  /// row. Allocates nothing once its buffers have grown to the largest batch seen.
  void compute_actions(const float* observations, int64_t rows, float* actions,
                       nn::Rng* rngs) override;
  using TrainablePolicy::compute_actions;
  /// A policy with the same network, filter and explore setting and its own workspace. The
  /// network and filter are shared, not copied: acting only reads them, so clones may act on
  /// several threads at once, but they see the trainer's updates, which must not run while a
  /// clone acts. A clone does not learn (it has no optimiser state of its own).
  std::shared_ptr<Policy> clone() const override;
  /// A clone with its own copy of the network's weights (see Policy::snapshot).
  std::shared_ptr<Policy> snapshot() const override;

  bool deterministic() const { return !explore(); }
  void set_deterministic(bool on) { set_explore(!on); }
  const std::shared_ptr<ActorCritic>& network() const { return net_; }

  // ---- Learning (ppo_learning.cpp) ----

  bool has_value_function() const override { return true; }
  /// Adds advantages and value_targets by GAE over the piece (one agent, one episode, in step
  /// order). The last row bootstraps from the value of its new_obs unless it terminated.
  void postprocess_trajectory(SampleBatch& piece) override;
  /// `epochs` passes of shuffled minibatches over `batch` (which must be postprocessed).
  /// Statistics: policy_loss, value_loss, entropy, approx_kl, clip_fraction (means over the
  /// updates), explained_variance (of the value targets by the values before the update),
  /// learning_rate and transitions (rows learned from).
  void learn_on_batch(SampleBatch& batch, LearnerStats& stats) override;
  void set_learning_rate(float learning_rate) override { learning_rate_ = learning_rate; }
  /// Rows of a minibatch evaluated in one pass (default kDefaultRowsPerPass). A larger minibatch
  /// is evaluated in near-equal chunks whose gradients add up before its one optimiser step, so
  /// that each pass's activations stay in cache: the result is the same up to float rounding,
  /// and bit for bit the same for minibatches of up to this many rows. Throws ConfigError
  /// unless rows >= 1.
  void set_rows_per_pass(int64_t rows);
  int64_t rows_per_pass() const { return rows_per_pass_; }
  /// Each row's activations and their gradients take a few KiB with the default 64-wide
  /// networks; much beyond 512 rows they leave a 1 MiB L2 cache and every layer pass streams
  /// from memory, so the cost per row would grow with the minibatch (with many agents on one
  /// policy a minibatch can hold tens of thousands of rows).
  static constexpr int64_t kDefaultRowsPerPass = 512;

  void get_weights(nn::StateDict& out, const std::string& prefix) const override;
  void set_weights(const nn::StateDict& in, const std::string& prefix) override;

 protected:
  const nn::Distribution& action_distribution(const float* observations, int64_t rows,
                                              float* vf_preds) override;
  void save_optimizer(nn::StateDict& out, const std::string& prefix) const override;
  void load_optimizer(const nn::StateDict& in, const std::string& prefix) override;

 private:
  struct Learning;  // optimiser, tape and minibatch scratch (ppo_learning.cpp)
  std::unique_ptr<Learning> make_learning() const;
  /// Writes the network input of `rows` observations into features_ (grown as needed).
  void write_features(const float* observations, int64_t rows);

  std::shared_ptr<ActorCritic> net_;
  PpoOptions options_;
  float learning_rate_;
  nn::Rng shuffle_rng_;
  int64_t rows_per_pass_ = kDefaultRowsPerPass;
  std::unique_ptr<Learning> learning_;  // null for clones
  // Acting scratch: filtered observations, features, sampled actions (grown, never shrunk).
  std::vector<float> filtered_, features_, sampled_;
  ActWorkspace workspace_;
  HeadDistribution distribution_;
  // Postprocessing scratch (GAE over one piece): every policy postprocesses, clones too.
  struct GaeScratch {
    std::vector<float> rewards, next_values, bootstrap_features, running;
    std::vector<char> ends;
    std::vector<int32_t> streams;
  } gae_;
};

}  // namespace phantom
