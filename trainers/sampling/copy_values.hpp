// copy_values: copies the few values of one agent's observation or action.
//
// The rollout worker and its env runner copy each agent's observation and action several times
// per env step (into its trajectory, its previous action, its filtered observation, the action
// log). They are a handful of floats, for which std::copy_n's call to memcpy costs more than the
// copy itself. A plain loop stays inline: the compiler cannot assume the two ranges are apart, so
// it keeps the loop (vectorised, behind an overlap check) instead of turning it into a memcpy call.
#pragma once

#include <cstdint>
#include <cstring>

namespace phantom {

/// Copies `n` floats from `from` to `to`; for the short rows of one agent.
inline void copy_values(const float* from, int64_t n, float* to) {
  if (n == 1) {  // most actions: skip the vectorised loop's setup
    to[0] = from[0];
    return;
  }
  for (int64_t k = 0; k < n; ++k) to[k] = from[k];
}

/// copy_values that also says whether every value was finite (no NaN, no infinity), in the same
/// pass: a float is finite unless its exponent bits are all ones.
inline bool copy_values_finite(const float* from, int64_t n, float* to) {
  constexpr uint32_t kExponent = 0x7f800000u;
  uint32_t non_finite = 0;
  for (int64_t k = 0; k < n; ++k) {
    uint32_t bits;
    std::memcpy(&bits, &from[k], sizeof bits);
    non_finite |= static_cast<uint32_t>((bits & kExponent) == kExponent);
    to[k] = from[k];
  }
  return non_finite == 0;
}

}  // namespace phantom
