// Generalised advantage estimation (Schulman et al. 2016), for transitions of many streams.
//
// A stream is one agent in one env; its transitions are stored in time order, interleaved with
// other streams'. Each transition carries the value of the state that followed it:
//   next_value = V(next observation)    the agent acted again (same episode), or the rollout
//                                       ended while its episode was still running;
//              = V(final observation)   its episode was truncated (time limit): the future was
//                                       cut short, not over, so we still bootstrap;
//              = 0                      it terminated: there is no future.
// and `end` marks the last transition of an episode, where the advantage chain is cut:
//   delta_t = r_t + gamma * next_value_t - V_t
//   A_t     = delta_t + gamma * lambda * (1 - end_t) * A_{t+1 of the same stream}
//   R_t     = A_t + V_t                  (the value target)
// Truncation differs from termination only through next_value: that is the fix for Python
// Phantom's PPO, which treated both as termination (use_proper_time_limits=False).
#pragma once

#include <cstdint>
#include <vector>

namespace phantom {

/// Fills advantages[0, n) and returns[0, n). `running` is scratch (one float per stream).
void compute_gae(const float* rewards, const float* values, const float* next_values,
                 const char* ends, const int32_t* streams, int64_t n, int32_t num_streams,
                 float gamma, float lambda, float* advantages, float* returns,
                 std::vector<float>& running);

}  // namespace phantom
