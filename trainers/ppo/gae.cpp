// GAE over interleaved streams: one backward pass, one running advantage per stream.
#include "trainers/ppo/gae.hpp"

#include <algorithm>

namespace phantom {

void compute_gae(const float* rewards, const float* values, const float* next_values,
                 const char* ends, const int32_t* streams, int64_t n, int32_t num_streams,
                 float gamma, float lambda, float* advantages, float* returns,
                 std::vector<float>& running) {
  running.assign(static_cast<std::size_t>(num_streams), 0.0f);
  // Backwards in storage order is backwards in time within every stream.
  for (int64_t t = n - 1; t >= 0; --t) {
    float& next_advantage = running[static_cast<std::size_t>(streams[t])];
    float delta = rewards[t] + gamma * next_values[t] - values[t];
    float carry = ends[t] ? 0.0f : gamma * lambda * next_advantage;
    advantages[t] = delta + carry;
    returns[t] = advantages[t] + values[t];
    next_advantage = advantages[t];
  }
}

}  // namespace phantom
