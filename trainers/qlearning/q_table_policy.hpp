// QTablePolicy: a tabular action-value function over Discrete observations and actions (Python
// Phantom's QLearningPolicy), as a TrainablePolicy of the sampling layer.
//
// The table has one row per observation value and one column per action value, row-major, in
// doubles. Both spaces must be Discrete; a Discrete(n, start) value v is row or column v - start,
// so an action space Discrete(3, start = -1) acts with -1, 0 or 1.
//
//   auto q = std::make_shared<phantom::QTablePolicy>(phantom::discrete(5), phantom::discrete(2));
//   q->q(3, 1) = 0.5;
//   q->compute_action(obs, action, rng);   // greedy: the column with the largest value
//
// Acting. The action distribution of a batch of observations is a Categorical whose logits are
// the Q-values of each row's state (converted to float). What the policy does with it is its
// exploration's choice: EpsilonGreedy by default (a uniformly random allowed action with
// probability epsilon, else the greedy one) or SoftQ (sample softmax(Q / temperature)). Without
// exploring it takes the deterministic action, the first largest logit: greedy(). A policy is
// built not exploring, so through the plain Policy interface (rollouts, evaluation, anyone who
// holds the returned policy) it acts greedily unless set_explore(true) is called; the trainer
// switches exploration on only while it samples.
//
// Masking. A Q-value at or below the lowest finite float (-inf, say) becomes a logit that
// EpsilonGreedy treats as "not allowed in this state": that action is never taken, neither at
// random nor greedily, and SoftQ gives it probability 0.
//
// Learning (learn_on_batch) is the tabular Q-learning update, row by row in batch order:
//   target = reward + gamma max_a' Q[new_obs, a']       (no bootstrap term if the row terminated)
//   Q[obs, action] <- (1 - alpha) Q[obs, action] + alpha target
// which is Q += alpha (target - Q) written as Python Phantom wrote it. A truncated row bootstraps
// from its new_obs, like every row that did not terminate. The rollout worker fills new_obs with
// the agent's latest observation, so when an agent left by truncation without a final
// observation the bootstrap uses the last state it saw: the batch does not say whether that
// observation is fresh, and assuming the state unchanged is what PPO's value bootstrap assumes
// for the same row. (The trainer before the sampling layer made no update in that case.)
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/distributions.hpp"
#include "nn/serialize.hpp"
#include "trainers/sampling/epsilon_greedy.hpp"
#include "trainers/sampling/stochastic_sampling.hpp"
#include "trainers/sampling/trainable_policy.hpp"

namespace phantom {

/// How a QTablePolicy explores and learns.
struct QTablePolicyOptions {
  /// Learning rate, in (0, 1].
  double alpha = 0.1;
  /// Discount, in [0, 1].
  double gamma = 0.6;
  /// "EpsilonGreedy" or "SoftQ".
  std::string exploration = "EpsilonGreedy";
  /// EpsilonGreedy's settings (its schedule runs over the policy's global timestep unless
  /// epsilon_schedule is set; QLearningTrainer sets an IterationSchedule there).
  EpsilonGreedyOptions epsilon_greedy;
  /// SoftQ's settings (the temperature).
  SoftQOptions soft_q;
};

class QTablePolicy : public TrainablePolicy {
 public:
  /// A table of zeros, not exploring. Throws ConfigError naming `policy_id` (when given) and
  /// the offending thing if either space is not Discrete, an option is out of range, or the
  /// exploration is neither "EpsilonGreedy" nor "SoftQ".
  QTablePolicy(SpacePtr observation_space, SpacePtr action_space, const std::string& policy_id = "",
               QTablePolicyOptions options = {});

  const std::string& policy_id() const { return policy_id_; }
  const QTablePolicyOptions& options() const { return options_; }
  int64_t num_states() const { return num_states_; }
  int64_t num_actions() const { return num_actions_; }
  double q(int64_t state, int64_t action) const { return (*table_)[index(state, action)]; }
  double& q(int64_t state, int64_t action) { return (*table_)[index(state, action)]; }
  /// The whole table, row-major (num_states() x num_actions()).
  const std::vector<double>& table() const { return *table_; }
  std::vector<double>& table() { return *table_; }

  /// The row of an observation value. Throws ValueError naming the value if it is not in the
  /// observation space (not an integer, or out of range).
  int64_t state_of(const float* observation) const {
    float v = observation[0];
    if (!(v >= state_lo_ && v < state_hi_) || static_cast<float>(static_cast<int64_t>(v)) != v) {
      throw_bad_value(v, "observation", *observation_space());
    }
    return static_cast<int64_t>(v) - state_start_;
  }
  /// The column of an action value; throws ValueError naming the value as state_of does.
  int64_t action_of(const float* action) const {
    float v = action[0];
    if (!(v >= action_lo_ && v < action_hi_) || static_cast<float>(static_cast<int64_t>(v)) != v) {
      throw_bad_value(v, "action", *action_space());
    }
    return static_cast<int64_t>(v) - action_start_;
  }
  /// Writes the action value of column `action`.
  void write_action(int64_t action, float* out) const {
    out[0] = static_cast<float>(action + action_start_);
  }

  /// The action taken when not exploring: the column of the largest logit of row `state`, the
  /// first one on ties. Logits are the Q-values as floats (logit()), so values closer than float
  /// precision count as a tie: this is exactly deterministic_action() on the distribution.
  int64_t greedy(int64_t state) const {
    const double* row = &(*table_)[index(state, 0)];
    int64_t best = 0;
    float best_logit = logit(row[0]);
    for (int64_t a = 1; a < num_actions_; ++a) {
      float l = logit(row[a]);
      if (l > best_logit) best = a, best_logit = l;
    }
    return best;
  }
  /// The largest value of row `state` (in double: the bootstrap term of the update).
  double max_q(int64_t state) const {
    const double* row = &(*table_)[index(state, 0)];
    double best = row[0];
    for (int64_t a = 1; a < num_actions_; ++a) best = row[a] > best ? row[a] : best;
    return best;
  }
  /// A Q-value as a logit of the action distribution: the nearest float, with finite values
  /// beyond float's range going to +-infinity (so a Q-value at or below the lowest float masks
  /// its action).
  static float logit(double q) {
    if (q < static_cast<double>(std::numeric_limits<float>::lowest())) {
      return -std::numeric_limits<float>::infinity();
    }
    if (q > static_cast<double>(std::numeric_limits<float>::max())) {
      return std::numeric_limits<float>::infinity();
    }
    return static_cast<float>(q);
  }

  /// A policy sharing this one's table (not a copy), with the same options, explore setting and
  /// observation filter, and its own exploration and scratch: acting only reads the table, so
  /// clones may act on several threads at once, and they follow the trainer's updates, which
  /// must not run while a clone acts. Writing through a clone's q() (or its learn_on_batch)
  /// changes every clone's table.
  std::shared_ptr<Policy> clone() const override;
  /// A clone with its own copy of the table (see Policy::snapshot) and, when epsilon follows
  /// the iterations (an IterationSchedule), its own copy of that schedule at its current
  /// iteration: a snapshot explores as the policy did when it was taken.
  std::shared_ptr<Policy> snapshot() const override;

  /// Stores the table under `prefix` (".states", ".actions", ".values"). Values are stored as
  /// little-endian IEEE doubles, so a saved table loads back bit for bit on any machine.
  void save(nn::StateDict& out, const std::string& prefix) const;
  /// Throws FormatError if the stored table's shape differs from this one's.
  void load(const nn::StateDict& in, const std::string& prefix);

  // ---- TrainablePolicy ----

  /// The update at the top of this file on every row of `batch`, in order. Statistics:
  /// "q_updates" (rows learnt from) and "td_error_mean" (mean |target - Q| before each update;
  /// NaN for an empty batch). Throws ValueError for an observation or action outside its space.
  void learn_on_batch(SampleBatch& batch, LearnerStats& stats) override;
  /// The weights are the table: save() / load() under `prefix`.
  void get_weights(nn::StateDict& out, const std::string& prefix) const override;
  void set_weights(const nn::StateDict& in, const std::string& prefix) override;

 protected:
  /// A Categorical over the actions whose logits (rows x num_actions(), in the open TapeScope's
  /// arena) are the Q-values of each row's state. Allocates nothing in steady state.
  const nn::Distribution& action_distribution(const float* observations, int64_t rows,
                                              float* vf_preds) override;

 private:
  /// A policy of these options with this one's explore flag and observation filter (the table
  /// is the caller's to set).
  std::shared_ptr<QTablePolicy> copy_with(QTablePolicyOptions options) const;
  std::size_t index(int64_t state, int64_t action) const {
    return static_cast<std::size_t>(state * num_actions_ + action);
  }
  [[noreturn]] void throw_bad_value(float value, const char* what, const Space& space) const;

  std::string policy_id_;
  QTablePolicyOptions options_;
  int64_t num_states_ = 0, num_actions_ = 0;
  int64_t state_start_ = 0, action_start_ = 0;
  float state_lo_ = 0.0f, state_hi_ = 0.0f;     // valid observations: [lo, hi)
  float action_lo_ = 0.0f, action_hi_ = 0.0f;   // valid actions: [lo, hi)
  std::shared_ptr<std::vector<double>> table_;  // shared with clones
  std::optional<nn::Categorical> distribution_;
};

}  // namespace phantom
