// QTablePolicy: construction checks, the action distribution, the update, and saving the table.
#include "trainers/qlearning/q_table_policy.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "nn/error.hpp"
#include "nn/tape.hpp"
#include "phantom/format.hpp"
#include "trainers/qlearning/iteration_schedule.hpp"
#include "trainers/sampling/sample_batch.hpp"

namespace phantom {

namespace {

// "policy 'p': " or "QTablePolicy: " when the policy has no id.
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

void check_range(const std::string& policy_id, const char* name, double value, bool lo_open) {
  bool ok = (lo_open ? value > 0.0 : value >= 0.0) && value <= 1.0;
  if (!ok) {
    throw ConfigError(owner(policy_id) + name + " = " + double_string(value) + ", expected " +
                      (lo_open ? "(0, 1]" : "[0, 1]"));
  }
}

// Checks the spaces and options first (so their errors name the policy), then builds the
// exploration the options name.
std::unique_ptr<Exploration> checked_exploration(const SpacePtr& observation_space,
                                                 const SpacePtr& action_space,
                                                 const std::string& policy_id,
                                                 const QTablePolicyOptions& o) {
  require_discrete(observation_space, "observation", policy_id);
  require_discrete(action_space, "action", policy_id);
  check_range(policy_id, "alpha", o.alpha, /*lo_open=*/true);
  check_range(policy_id, "gamma", o.gamma, /*lo_open=*/false);
  ExplorationContext context{action_space, 0, 0};
  try {
    if (o.exploration == "EpsilonGreedy") {
      return std::make_unique<EpsilonGreedy>(context, o.epsilon_greedy);
    }
    if (o.exploration == "SoftQ") return std::make_unique<SoftQ>(context, o.soft_q);
  } catch (const ConfigError& e) {
    throw ConfigError(owner(policy_id) + e.what());
  }
  throw ConfigError(owner(policy_id) + "exploration = '" + o.exploration +
                    "', expected 'EpsilonGreedy' or 'SoftQ'");
}

}  // namespace

QTablePolicy::QTablePolicy(SpacePtr observation_space, SpacePtr action_space,
                           const std::string& policy_id, QTablePolicyOptions options)
    : TrainablePolicy(observation_space, action_space,
                      checked_exploration(observation_space, action_space, policy_id, options),
                      /*explore=*/false),
      policy_id_(policy_id),
      options_(std::move(options)) {
  const DiscreteSpace& obs = observation_space->as_discrete();
  const DiscreteSpace& act = action_space->as_discrete();
  num_states_ = obs.n();
  num_actions_ = act.n();
  state_start_ = obs.start();
  action_start_ = act.start();
  // Exact: Discrete bounds are within 2^24.
  state_lo_ = static_cast<float>(state_start_);
  state_hi_ = static_cast<float>(state_start_ + num_states_);
  action_lo_ = static_cast<float>(action_start_);
  action_hi_ = static_cast<float>(action_start_ + num_actions_);
  table_ = std::make_shared<std::vector<double>>(
      static_cast<std::size_t>(num_states_ * num_actions_), 0.0);
}

std::shared_ptr<QTablePolicy> QTablePolicy::copy_with(QTablePolicyOptions options) const {
  auto copy = std::make_shared<QTablePolicy>(observation_space(), action_space(), policy_id_,
                                             std::move(options));
  copy->set_explore(explore());
  copy->set_observation_filter(observation_filter());
  return copy;
}

std::shared_ptr<Policy> QTablePolicy::clone() const {
  std::shared_ptr<QTablePolicy> copy = copy_with(options_);
  copy->table_ = table_;
  return copy;
}

std::shared_ptr<Policy> QTablePolicy::snapshot() const {
  // A snapshot acts on another thread while the trainer moves on (evaluation parallel to
  // training), so it shares nothing the trainer writes: its own table, and its own copy of an
  // epsilon schedule that follows the iterations, held at the iteration of the snapshot (the
  // trainer sets the shared one's iteration at the start of every training step).
  QTablePolicyOptions frozen = options_;
  if (const auto* per_iteration =
          dynamic_cast<const IterationSchedule*>(options_.epsilon_greedy.epsilon_schedule.get())) {
    frozen.epsilon_greedy.epsilon_schedule = std::make_shared<IterationSchedule>(*per_iteration);
  }
  std::shared_ptr<QTablePolicy> copy = copy_with(std::move(frozen));
  copy->table_ = std::make_shared<std::vector<double>>(*table_);
  return copy;
}

void QTablePolicy::throw_bad_value(float value, const char* what, const Space& space) const {
  throw ValueError(owner(policy_id_) + what + " " + std::to_string(value) +
                   " is not in its space " + space.to_string());
}

// ---- Acting ----

const nn::Distribution& QTablePolicy::action_distribution(const float* observations, int64_t rows,
                                                          float*) {
  nn::Tape* tape = nn::Tape::current();
  if (!tape) throw ConfigError(owner(policy_id_) + "action_distribution needs an open TapeScope");
  nn::Tensor logits = tape->new_tensor({rows, num_actions_}, /*with_grad=*/false);
  float* out = logits.data();
  const int64_t obs_size = observation_space()->flat_size();
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = &(*table_)[index(state_of(observations + r * obs_size), 0)];
    for (int64_t a = 0; a < num_actions_; ++a) out[r * num_actions_ + a] = logit(row[a]);
  }
  return distribution_.emplace(logits);
}

// ---- Learning ----

void QTablePolicy::learn_on_batch(SampleBatch& batch, LearnerStats& stats) {
  const int64_t n = batch.size();
  stats.set("q_updates", static_cast<double>(n));
  if (n == 0) {
    stats.set("td_error_mean", std::numeric_limits<double>::quiet_NaN());
    return;
  }
  const int64_t obs_size = observation_space()->flat_size();
  const int64_t action_size = action_space()->flat_size();
  const float* obs = batch.f32(columns::kObs);
  const float* new_obs = batch.f32(columns::kNewObs);
  const float* actions = batch.f32(columns::kActions);
  const float* rewards = batch.f32(columns::kRewards);
  const float* terminateds = batch.f32(columns::kTerminateds);
  const double alpha = options_.alpha, gamma = options_.gamma;
  double td_error_sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double target = rewards[i];
    // A row that did not terminate continues from new_obs (truncated rows too: see the header).
    if (terminateds[i] == 0.0f) target += gamma * max_q(state_of(new_obs + i * obs_size));
    double& value = q(state_of(obs + i * obs_size), action_of(actions + i * action_size));
    // Stop before a non-finite value enters the table (the caller raises or skips the rest).
    if (!std::isfinite((1.0 - alpha) * value + alpha * target)) {
      throw TrainingError("non-finite Q-value update (target " + double_string(target) +
                          ", value " + double_string(value) + ") in row " + std::to_string(i) +
                          " of " + std::to_string(n) +
                          "; the batch's rewards were finite: scale the rewards down");
    }
    td_error_sum += std::fabs(target - value);
    value = (1.0 - alpha) * value + alpha * target;
  }
  stats.set("td_error_mean", td_error_sum / static_cast<double>(n));
}

// ---- Weights ----

void QTablePolicy::get_weights(nn::StateDict& out, const std::string& prefix) const {
  save(out, prefix);
}

void QTablePolicy::set_weights(const nn::StateDict& in, const std::string& prefix) {
  load(in, prefix);
}

void QTablePolicy::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".states", num_states_);
  out.set_int(prefix + ".actions", num_actions_);
  out.set_doubles(prefix + ".values", *table_);
}

void QTablePolicy::load(const nn::StateDict& in, const std::string& prefix) {
  int64_t states = in.get_count(prefix + ".states"), actions = in.get_count(prefix + ".actions");
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
