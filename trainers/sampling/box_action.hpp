// The action an env receives for a Box action as a policy chose it: the one rule, used by the
// rollout worker (normalize_actions / clip_actions) and by PPO's networks acting for rollouts.
//
// Policies whose outputs are unbounded (a Gaussian's samples) act in [-1, 1] when normalising:
// component k is clipped to [-1, 1] and mapped linearly onto [low_k, high_k]. Components with an
// infinite bound are not mapped. With clipping, the result is clamped to [low_k, high_k].
// The policy's own action (what log-probabilities refer to) is never changed: this writes `out`.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace phantom {

/// Writes the env's action for the `n` components of `action` into `out`, given the Box bounds
/// `low`/`high` (n each). normalize: map from [-1, 1] (finite bounds only); clip: clamp to the
/// bounds. With neither, `out` is `action`. Inline: a worker calls it for every action.
inline void box_env_action(const float* low, const float* high, int64_t n, bool normalize,
                           bool clip, const float* action, float* out) {
  for (int64_t k = 0; k < n; ++k) {
    const float lo = low[k], hi = high[k];
    float a = action[k];
    if (normalize && std::isfinite(lo) && std::isfinite(hi)) {
      const float unit = std::min(std::max(a, -1.0f), 1.0f);
      a = lo + (unit + 1.0f) * 0.5f * (hi - lo);
    }
    out[k] = clip ? std::min(std::max(a, lo), hi) : a;
  }
}

}  // namespace phantom
