// QTablePolicy: a tabular action-value function over Discrete observations and actions, acting
// greedily (Python Phantom's QLearningPolicy).
//
// The table has one row per observation value and one column per action value, row-major, in
// doubles. Both spaces must be Discrete; a Discrete(n, start) value v is row or column v - start,
// so an action space Discrete(3, start = -1) acts with -1, 0 or 1.
//
//   auto q = std::make_shared<phantom::QTablePolicy>(phantom::discrete(5), phantom::discrete(2));
//   q->q(3, 1) = 0.5;
//   q->compute_action(obs, action, rng);   // the column with the largest value (first on ties)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/serialize.hpp"
#include "phantom/policy.hpp"

namespace phantom {

class QTablePolicy : public Policy {
 public:
  /// A table of zeros. Throws ConfigError naming `policy_id` (when given) and the offending space
  /// if either space is not Discrete.
  QTablePolicy(SpacePtr observation_space, SpacePtr action_space,
               const std::string& policy_id = "");

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
      throw_bad_observation(v);
    }
    return static_cast<int64_t>(v) - state_start_;
  }
  /// Writes the action value of column `action`.
  void write_action(int64_t action, float* out) const {
    out[0] = static_cast<float>(action + action_start_);
  }

  /// The column of the largest value in row `state`, the first one on ties.
  int64_t greedy(int64_t state) const {
    const double* row = &(*table_)[static_cast<std::size_t>(state * num_actions_)];
    int64_t best = 0;
    for (int64_t a = 1; a < num_actions_; ++a) {
      if (row[a] > row[best]) best = a;
    }
    return best;
  }
  /// The largest value of row `state`.
  double max_q(int64_t state) const {
    return (*table_)[static_cast<std::size_t>(state * num_actions_ + greedy(state))];
  }

  /// The greedy action for `observation` (the generator is unused).
  void compute_action(const float* observation, float* action, nn::Rng& rng) override;

  /// A policy sharing this one's table (not a copy): acting only reads the table, so clones
  /// may act on several threads at once, and they follow the trainer's updates, which must not
  /// run while a clone acts. Writing through a clone's q() changes every clone's table.
  std::shared_ptr<Policy> clone() const override;

  /// Stores the table under `prefix` (".states", ".actions", ".values"). Values are stored as
  /// little-endian IEEE doubles, so a saved table loads back bit for bit on any machine.
  void save(nn::StateDict& out, const std::string& prefix) const;
  /// Throws FormatError if the stored table's shape differs from this one's.
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  std::size_t index(int64_t state, int64_t action) const {
    return static_cast<std::size_t>(state * num_actions_ + action);
  }
  [[noreturn]] void throw_bad_observation(float value) const;
  // Copies share the table; only clone() makes them, so no copy is taken by accident.
  QTablePolicy(const QTablePolicy&) = default;
  QTablePolicy& operator=(const QTablePolicy&) = delete;

  std::string policy_id_;
  int64_t num_states_ = 0, num_actions_ = 0;
  int64_t state_start_ = 0, action_start_ = 0;
  float state_lo_ = 0.0f, state_hi_ = 0.0f;     // valid observations: [lo, hi)
  std::shared_ptr<std::vector<double>> table_;  // shared with clones
};

}  // namespace phantom
