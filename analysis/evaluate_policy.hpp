// evaluate_policy: what one policy does over a grid of observations.
//
// The observation is given as a list of parts, each a fixed value (a scalar or an array) or a
// Range; the parts, concatenated, must make one flat observation of the policy's space. Every
// Range is an axis of a grid (range_grid.hpp: the first varies slowest), and the policy acts on
// the observation of every grid point, in batches:
//
//   // the shop's order for every stock level at fixed sales and missed sales
//   auto results = phantom::evaluate_policy(
//       policy, {phantom::linspace_range(0, 1, 11, "stock"), 0.2f, 0.0f});
//   for (const auto& e : results) std::cout << e.params[0].value << " -> " << e.action[0];
//
// Point k acts with a generator derived from (options.seed, k), so results do not depend on the
// batch size. Python's version took a results directory and a policy id; here the caller loads
// the policy (e.g. from the TrainingResults::policies that Trainer::load returns) and passes it.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <vector>

#include "analysis/rollout.hpp"
#include "phantom/policy.hpp"
#include "phantom/supertype.hpp"

namespace phantom {

/// One grid point: its params, the observation the policy saw and the action it took.
struct PolicyEvaluation {
  std::vector<RolloutParam> params;
  std::vector<float> observation;
  std::vector<float> action;
};

struct EvaluateOptions {
  /// Stochastic policies sample when exploring, else take their most likely action.
  bool explore = false;
  /// Observations per compute_actions call (>= 1).
  int batch_size = 100;
  uint64_t seed = 0;
  bool show_progress = false;
  std::ostream* progress_out = nullptr;  // null: std::cerr
};

/// Calls `sink` for every grid point, in grid order. Sets the policy's explore mode. Throws
/// ConfigError if a part is a Sampler, or if the parts do not add up to the policy's
/// observation size (naming both sizes), or if batch_size < 1.
void evaluate_policy(Policy& policy, const std::vector<FieldSource>& observation,
                     const EvaluateOptions& options,
                     const std::function<void(const PolicyEvaluation&)>& sink);
/// Every grid point's evaluation, in grid order.
std::vector<PolicyEvaluation> evaluate_policy(Policy& policy,
                                              const std::vector<FieldSource>& observation,
                                              const EvaluateOptions& options = {});

}  // namespace phantom
