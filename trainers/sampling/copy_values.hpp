// copy_values: copies the few values of one agent's observation or action.
//
// The rollout worker and its env runner copy each agent's observation and action several times
// per env step (into its trajectory, its previous action, its filtered observation, the action
// log). They are a handful of floats, for which std::copy_n's call to memcpy costs more than the
// copy itself, and so does the setup of a vectorised loop. So the copy stays inline: up to four
// values as fixed-size moves chosen by a jump, longer rows in a plain loop, which the compiler
// vectorises behind an overlap check (it cannot assume the two ranges are apart).
#pragma once

#include <cstdint>
#include <cstring>

namespace phantom {

// GCC warns (-Warray-bounds, -Wstringop-overread) about the cases a caller's constant n rules out,
// once the copy is inlined into a caller passing a short array; those cases never run.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#if __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#endif

/// Copies `n` floats from `from` to `to`; for the short rows of one agent.
inline void copy_values(const float* from, int64_t n, float* to) {
  switch (n) {  // a short row in one or two moves of a fixed size, without the loop's setup
    case 1:
      to[0] = from[0];
      return;
    case 2:
      std::memcpy(to, from, 2 * sizeof(float));
      return;
    case 3:
      std::memcpy(to, from, 3 * sizeof(float));
      return;
    case 4:
      std::memcpy(to, from, 4 * sizeof(float));
      return;
    default:
      for (int64_t k = 0; k < n; ++k) to[k] = from[k];
  }
}

/// copy_values that also says whether every value was finite (no NaN, no infinity), in the same
/// pass: a float is finite unless its exponent bits are all ones.
inline bool copy_values_finite(const float* from, int64_t n, float* to) {
  constexpr uint32_t kExponent = 0x7f800000u;
  uint32_t non_finite = 0;
  auto copy_one = [&](int64_t k) {
    uint32_t bits;
    std::memcpy(&bits, &from[k], sizeof bits);
    non_finite |= static_cast<uint32_t>((bits & kExponent) == kExponent);
    to[k] = from[k];
  };
  switch (n) {  // short rows unrolled, as in copy_values
    case 4:
      copy_one(3);
      [[fallthrough]];
    case 3:
      copy_one(2);
      [[fallthrough]];
    case 2:
      copy_one(1);
      [[fallthrough]];
    case 1:
      copy_one(0);
      break;
    default:
      for (int64_t k = 0; k < n; ++k) copy_one(k);
  }
  return non_finite == 0;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace phantom
