// evaluate_policy: the observation grid, batched inference.
#include "analysis/evaluate_policy.hpp"

#include <algorithm>
#include <iostream>
#include <optional>

#include "analysis/progress_bar.hpp"
#include "analysis/range_grid.hpp"
#include "nn/error.hpp"

namespace phantom {

namespace {

constexpr uint64_t kEvaluateStream = 0x4556414c504f4c31ull;  // "EVALPOL1"

// Where each Range part goes in the flat observation.
struct RangeSlot {
  std::size_t offset;
  std::size_t axis;
};

}  // namespace

void evaluate_policy(Policy& policy, const std::vector<FieldSource>& observation,
                     const EvaluateOptions& options,
                     const std::function<void(const PolicyEvaluation&)>& sink) {
  if (options.batch_size < 1) {
    throw ConfigError("evaluate_policy: batch_size = " + std::to_string(options.batch_size) +
                      ", expected >= 1");
  }
  // The template observation (Ranges at 0) and where the Ranges go.
  std::vector<float> base;
  std::vector<std::shared_ptr<const Range>> ranges;
  std::vector<std::size_t> range_offsets;
  for (std::size_t i = 0; i < observation.size(); ++i) {
    const FieldSource& part = observation[i];
    switch (part.kind()) {
      case FieldSource::Kind::sampler:
        throw ConfigError("evaluate_policy: observation part " + std::to_string(i) + " is a " +
                          part.to_string() + "; give a fixed value or a Range");
      case FieldSource::Kind::range:
        ranges.push_back(part.range());
        range_offsets.push_back(base.size());
        base.push_back(0.0f);
        break;
      case FieldSource::Kind::fixed:
        base.insert(base.end(), part.fixed().begin(), part.fixed().end());
        break;
    }
  }
  const int64_t obs_size = policy.observation_space()->flat_size();
  const int64_t action_size = policy.action_space()->flat_size();
  if (static_cast<int64_t>(base.size()) != obs_size) {
    throw ConfigError("evaluate_policy: the observation parts make " + std::to_string(base.size()) +
                      " floats, but the policy's observation space " +
                      policy.observation_space()->to_string() + " has " + std::to_string(obs_size));
  }
  RangeGrid grid(ranges);
  std::vector<RangeSlot> slots;
  for (std::size_t r = 0; r < ranges.size(); ++r) {
    slots.push_back({range_offsets[r], static_cast<std::size_t>(grid.axis_of(ranges[r].get()))});
  }

  policy.set_explore(options.explore);
  const std::size_t batch = static_cast<std::size_t>(options.batch_size);
  std::vector<float> observations, actions;
  std::vector<nn::Rng> rngs;
  PolicyEvaluation result;
  std::optional<ProgressBar> progress;
  if (options.show_progress) {
    progress.emplace(static_cast<int64_t>(grid.size()), "evaluate_policy",
                     options.progress_out ? *options.progress_out : std::cerr);
  }
  const nn::Rng root(options.seed, kEvaluateStream);
  for (std::size_t first = 0; first < grid.size(); first += batch) {
    const std::size_t n = std::min(batch, grid.size() - first);
    observations.resize(n * static_cast<std::size_t>(obs_size));
    actions.resize(n * static_cast<std::size_t>(action_size));
    rngs.clear();
    for (std::size_t k = 0; k < n; ++k) {
      float* obs = observations.data() + k * static_cast<std::size_t>(obs_size);
      std::copy(base.begin(), base.end(), obs);
      for (const RangeSlot& s : slots) obs[s.offset] = grid.value(first + k, s.axis);
      rngs.push_back(root.derive(first + k));
    }
    policy.compute_actions(observations.data(), static_cast<int64_t>(n), actions.data(),
                           rngs.data());
    for (std::size_t k = 0; k < n; ++k) {
      result.params = grid.params(first + k);
      const float* obs = observations.data() + k * static_cast<std::size_t>(obs_size);
      const float* act = actions.data() + k * static_cast<std::size_t>(action_size);
      result.observation.assign(obs, obs + obs_size);
      result.action.assign(act, act + action_size);
      sink(result);
    }
    if (progress) progress->update(static_cast<int64_t>(first + n));
  }
  if (progress) progress->finish();
}

std::vector<PolicyEvaluation> evaluate_policy(Policy& policy,
                                              const std::vector<FieldSource>& observation,
                                              const EvaluateOptions& options) {
  std::vector<PolicyEvaluation> out;
  evaluate_policy(policy, observation, options,
                  [&](const PolicyEvaluation& e) { out.push_back(e); });
  return out;
}

}  // namespace phantom
