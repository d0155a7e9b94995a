// Non-finite values in training: what a trainer does when a NaN or an infinity appears.
//
// One NaN reward, observation or loss silently spreads through every later update: the
// weights, the optimiser state and the observation filter all become NaN, and the run goes on
// producing garbage. So the values are checked where they enter training, each once: rewards
// and raw observations as the rollout worker records them, the loss and the gradient norm of
// each update as the policy learns. The first bad value either stops training with a
// TrainingError that says where it came from (the default: the iteration is abandoned before
// its checkpoint, so the last good checkpoint stays the newest), or, for users who would rather
// go on, the batch it would have entered is skipped and counted.
#pragma once

#include <cstdint>
#include <string>

namespace phantom {

/// What happens when a non-finite value enters training.
enum class NonFiniteAction {
  raise,  ///< throw TrainingError naming the policy, iteration, agent and step (the default)
  skip,   ///< do not learn from that policy's batch this iteration, and count it
};

/// A non-finite reward or observation, as the rollout worker met it.
struct NonFiniteValue {
  std::string what;       ///< "reward" or "observation"
  std::string policy_id;  ///< the policy whose rows it entered
  std::string agent_id;
  int env_index = 0;       ///< the worker's sub-env
  int64_t episode_id = 0;  ///< Episode::id
  int64_t step = 0;        ///< the episode's env step (0: the observation of its reset)
  double value = 0.0;      ///< the first non-finite value
  /// "non-finite reward (nan) from agent 'A' at step 7 of episode 3 in sub-env 0".
  std::string describe() const;
};

}  // namespace phantom
