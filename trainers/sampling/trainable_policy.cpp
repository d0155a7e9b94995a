// TrainablePolicy: the explore/timestep rule, acting through the exploration, and the state
// layout of a checkpoint.
#include "trainers/sampling/trainable_policy.hpp"

#include <algorithm>
#include <limits>

#include "nn/error.hpp"

namespace phantom {

TrainablePolicy::TrainablePolicy(SpacePtr observation_space, SpacePtr action_space,
                                 std::unique_ptr<Exploration> exploration, bool explore)
    : Policy(std::move(observation_space), std::move(action_space)),
      exploration_(std::move(exploration)),
      explore_(explore) {
  if (!exploration_) throw ConfigError("TrainablePolicy: an exploration is required (got null)");
}

void TrainablePolicy::compute_actions(const float* observations, int64_t rows,
                                      std::optional<bool> explore, std::optional<int64_t> timestep,
                                      nn::Rng& rng, ActionBatch& out) {
  // A value given for this call wins over the policy's own setting and clock.
  const bool explore_now = explore.value_or(explore_);
  const int64_t t = timestep.value_or(global_timestep_);
  const auto n = static_cast<std::size_t>(rows);
  out.actions.resize(n * static_cast<std::size_t>(action_space()->flat_size()));
  out.logp.resize(n);
  if (has_value_function()) {
    out.vf_preds.resize(n);
  } else {
    out.vf_preds.clear();
  }
  // Distributions and samples go to the arena: acting allocates nothing in steady state.
  nn::TapeScope scope(act_tape_);
  const nn::Distribution& dist =
      action_distribution(observations, rows, has_value_function() ? out.vf_preds.data() : nullptr);
  exploration_->get_exploration_action(dist, t, explore_now, rng, out.actions.data(),
                                       out.logp.data());
  global_timestep_ += rows;
}

void TrainablePolicy::compute_log_likelihoods(const float* observations, const float* actions,
                                              int64_t rows, float* logp) {
  if (rows <= 0) return;
  const SpacePtr& space = action_space();
  const int64_t width = space->flat_size();
  // The batch holds actions as the exploration wrote them: a Discrete action is its category
  // plus the space's start, the distribution's index is the category.
  std::vector<float> chosen(actions, actions + rows * width);
  if (space->kind() == Kind::discrete) {
    const auto start = static_cast<float>(space->as_discrete().start());
    for (float& a : chosen) a -= start;
  }
  nn::TapeScope scope(act_tape_);
  const nn::Distribution& dist = action_distribution(observations, rows, nullptr);
  const nn::Tensor lp =
      dist.log_prob(nn::Tensor::from_vector(chosen, nn::Shape{rows, dist.action_dim()}));
  std::copy_n(lp.data(), rows, logp);
}

void TrainablePolicy::compute_action(const float* observation, float* action, nn::Rng& rng) {
  if (observation_filter_) {
    filtered_.assign(observation, observation + observation_space()->flat_size());
    observation_filter_->apply(filtered_.data(), 1, /*update=*/false);
    observation = filtered_.data();
  }
  compute_actions(observation, 1, std::nullopt, std::nullopt, rng, single_);
  std::copy(single_.actions.begin(), single_.actions.end(), action);
}

void LearnerStats::set(std::string_view name, double value) {
  for (auto& [n, v] : values_) {
    if (n == name) {
      v = value;
      return;
    }
  }
  values_.emplace_back(std::string(name), value);
}

void LearnerStats::reset() {
  for (auto& entry : values_) entry.second = std::numeric_limits<double>::quiet_NaN();
}

double LearnerStats::get(std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return v;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Gradients TrainablePolicy::compute_gradients(SampleBatch&, LearnerStats&) {
  throw ConfigError("this policy learns only through learn_on_batch (no compute_gradients)");
}

void TrainablePolicy::apply_gradients(const Gradients&) {
  throw ConfigError("this policy learns only through learn_on_batch (no apply_gradients)");
}

void TrainablePolicy::get_state(nn::StateDict& out, const std::string& prefix) const {
  get_weights(out, prefix + ".weights");
  save_optimizer(out, prefix + ".optimizer");
  exploration_->save(out, prefix + ".exploration");
  out.set_int(prefix + ".global_timestep", global_timestep_);
}

void TrainablePolicy::set_state(const nn::StateDict& in, const std::string& prefix) {
  set_weights(in, prefix + ".weights");
  load_optimizer(in, prefix + ".optimizer");
  exploration_->load(in, prefix + ".exploration");
  global_timestep_ = in.get_count(prefix + ".global_timestep");
}

}  // namespace phantom
