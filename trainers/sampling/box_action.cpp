// box_env_action: [-1, 1] onto the bounds, then clamping.
#include "trainers/sampling/box_action.hpp"

#include <algorithm>
#include <cmath>

namespace phantom {

void box_env_action(const float* low, const float* high, int64_t n, bool normalize, bool clip,
                    const float* action, float* out) {
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
