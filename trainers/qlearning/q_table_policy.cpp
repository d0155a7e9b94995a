// QTablePolicy: construction checks, the greedy action, and saving the table.
#include "trainers/qlearning/q_table_policy.hpp"

#include <algorithm>

#include "nn/error.hpp"

namespace phantom {

namespace {

// "policy 'p': " or "" when the policy has no id.
std::string owner(const std::string& policy_id) {
  return policy_id.empty() ? std::string("QTablePolicy: ") : "policy '" + policy_id + "': ";
}

const DiscreteSpace& require_discrete(const SpacePtr& space, const char* which,
                                      const std::string& policy_id) {
  if (!space) throw ConfigError(owner(policy_id) + "the " + which + " space is null");
  if (space->kind() != Kind::discrete) {
    throw ConfigError(owner(policy_id) + "a Q table needs a Discrete " + which + " space, not " +
                      space->to_string());
  }
  return space->as_discrete();
}

}  // namespace

QTablePolicy::QTablePolicy(SpacePtr observation_space, SpacePtr action_space,
                           const std::string& policy_id)
    : Policy(observation_space, action_space), policy_id_(policy_id) {
  const DiscreteSpace& obs = require_discrete(observation_space, "observation", policy_id);
  const DiscreteSpace& act = require_discrete(action_space, "action", policy_id);
  num_states_ = obs.n();
  num_actions_ = act.n();
  state_start_ = obs.start();
  action_start_ = act.start();
  // Exact: Discrete bounds are within 2^24.
  state_lo_ = static_cast<float>(state_start_);
  state_hi_ = static_cast<float>(state_start_ + num_states_);
  table_ = std::make_shared<std::vector<double>>(
      static_cast<std::size_t>(num_states_ * num_actions_), 0.0);
}

void QTablePolicy::compute_action(const float* observation, float* action, nn::Rng&) {
  write_action(greedy(state_of(observation)), action);
}

std::shared_ptr<Policy> QTablePolicy::clone() const {
  // Not make_shared: the copy constructor is private.
  return std::shared_ptr<Policy>(new QTablePolicy(*this));
}

void QTablePolicy::throw_bad_observation(float value) const {
  throw ValueError(owner(policy_id_) + "observation " + std::to_string(value) +
                   " is not in its space " + observation_space()->to_string());
}

void QTablePolicy::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".states", num_states_);
  out.set_int(prefix + ".actions", num_actions_);
  out.set_doubles(prefix + ".values", *table_);
}

void QTablePolicy::load(const nn::StateDict& in, const std::string& prefix) {
  int64_t states = in.get_int(prefix + ".states"), actions = in.get_int(prefix + ".actions");
  if (states != num_states_ || actions != num_actions_) {
    throw FormatError(in.source() + ": " + prefix + ": a " + std::to_string(states) + " x " +
                      std::to_string(actions) + " Q table does not fit this policy's " +
                      std::to_string(num_states_) + " x " + std::to_string(num_actions_));
  }
  const std::vector<double> values = in.get_doubles(prefix + ".values");
  if (values.size() != table_->size()) {
    throw FormatError(in.source() + ": " + prefix + ": the " + std::to_string(states) + " x " +
                      std::to_string(actions) + " Q table holds " + std::to_string(values.size()) +
                      " values, expected " + std::to_string(table_->size()));
  }
  // Copied into the existing storage, which the clones share.
  std::copy(values.begin(), values.end(), table_->begin());
}

}  // namespace phantom
