// PolicyBuffer: the transitions one PPO policy collected in an iteration, from all its agents
// in all envs (parameter sharing), stored column by column so minibatches gather rows cheaply.
#pragma once

#include <cstdint>
#include <vector>

namespace phantom {

struct PolicyBuffer {
  int64_t feature_size = 0;
  int64_t action_size = 0;

  std::vector<float> features;  // size() x feature_size (what the network saw)
  std::vector<float> actions;   // size() x action_size (as sampled, before any clipping)
  std::vector<float> log_probs, values, rewards, next_values;
  std::vector<char> ends;        // the transition ended an episode (see gae.hpp)
  std::vector<int32_t> streams;  // env * num_strategic + strategic position
  std::vector<float> advantages, returns;

  int64_t size() const { return static_cast<int64_t>(log_probs.size()); }
  /// Forgets the transitions (keeps the memory).
  void clear();
  /// Appends a transition whose reward starts at 0 and whose next value is not yet known;
  /// returns its index. Copies feature_size features and action_size action floats.
  int64_t append(const float* feature_row, const float* action, float log_prob, float value,
                 int32_t stream);
};

}  // namespace phantom
