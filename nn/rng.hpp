// nn::Rng: a counter-based random generator (Philox4x32-10) with independent streams.
//
// Philox turns (key, counter) into 4 random 32-bit words by 10 rounds of multiply-and-xor; the
// next block is just counter + 1. There is no hidden state to advance serially, so any number of
// independent streams can be derived from (seed, stream ids) and each gives the same numbers
// whichever thread draws them. The seed is the key; the 128-bit counter is (block index, stream).
//
// There is no global generator in phantom-cpp: whoever needs randomness owns an Rng.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>

#include "nn/error.hpp"

namespace nn {

class Rng {
 public:
  /// Everything needed to resume a generator exactly (stored in checkpoints).
  struct State {
    uint64_t seed = 0;
    uint64_t stream = 0;
    uint64_t block = 0;  // next block index to generate
    uint32_t buffer[4] = {0, 0, 0, 0};
    uint32_t used = 4;  // words of `buffer` already consumed (4 = empty)
  };

  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) {
    state_.seed = seed;
    state_.stream = stream;
  }

  /// An independent generator for sub-stream `id` of this one (e.g. env index, purpose). The
  /// child depends only on (seed, stream, id), not on how many numbers this one has drawn.
  Rng derive(uint64_t id) const { return Rng(state_.seed, mix(state_.stream, id)); }

  const State& state() const { return state_; }
  void set_state(const State& s) { state_ = s; }

  /// The next 32 random bits.
  uint32_t next_u32() {
    if (state_.used == 4) refill();
    return state_.buffer[state_.used++];
  }
  uint64_t next_u64() {
    uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }

  /// Uniform float in [0, 1) with 24 random bits.
  float uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }
  /// Uniform float in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform_double() {
    return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
  }

  /// Standard normal via Box-Muller (one draw per pair of uniforms; no cached spare, so the state
  /// stays a plain counter).
  float normal() {
    double u1 = 1.0 - uniform_double();  // (0, 1]: log is finite
    double u2 = uniform_double();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  float normal(float mean, float stddev) { return mean + stddev * normal(); }

  /// Unbiased integer in [lo, hi) (Lemire's multiply-and-reject). Throws ValueError if hi <= lo.
  int64_t uniform_int(int64_t lo, int64_t hi) {
    if (hi <= lo) {
      throw phantom::ValueError("Rng::uniform_int: empty range [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + ")");
    }
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)));
  }

  /// Fisher-Yates shuffle of [first, last).
  template <class It>
  void shuffle(It first, It last) {
    auto n = static_cast<uint64_t>(last - first);
    for (uint64_t i = n; i > 1; --i) {
      uint64_t j = below(i);
      using std::swap;
      swap(first[i - 1], first[j]);
    }
  }

  /// Index drawn with probability proportional to weights[i] (non-negative, not all zero).
  int categorical(const float* weights, int n) {
    double total = 0.0;
    for (int i = 0; i < n; ++i) total += weights[i];
    if (!(total > 0.0)) {
      throw phantom::ValueError(
          "Rng::categorical: weights must be non-negative with a positive sum");
    }
    double u = uniform_double() * total, cum = 0.0;
    int last_positive = 0;
    for (int i = 0; i < n; ++i) {
      if (weights[i] > 0.0f) last_positive = i;
      cum += weights[i];
      if (u < cum) return i;
    }
    return last_positive;  // u landed on the rounding error at the top end
  }

 private:
  // Unbiased integer in [0, range), range > 0.
  uint64_t below(uint64_t range) {
    if (range <= 0xFFFFFFFFull) {
      uint32_t r = static_cast<uint32_t>(range);
      uint64_t prod = static_cast<uint64_t>(next_u32()) * r;
      uint32_t low = static_cast<uint32_t>(prod);
      if (low < r) {
        uint32_t threshold = static_cast<uint32_t>(-r) % r;
        while (low < threshold) {
          prod = static_cast<uint64_t>(next_u32()) * r;
          low = static_cast<uint32_t>(prod);
        }
      }
      return prod >> 32;
    }
    // Wide ranges: rejection on the smallest covering power of two.
    uint64_t mask = range - 1;
    for (int s = 1; s < 64; s *= 2) mask |= mask >> s;
    for (;;) {
      uint64_t x = next_u64() & mask;
      if (x < range) return x;
    }
  }

  // SplitMix64 finaliser of (a, b): derives stream ids.
  static uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t z = a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2));
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  void refill() {
    uint32_t ctr[4] = {
        static_cast<uint32_t>(state_.block), static_cast<uint32_t>(state_.block >> 32),
        static_cast<uint32_t>(state_.stream), static_cast<uint32_t>(state_.stream >> 32)};
    uint32_t key[2] = {static_cast<uint32_t>(state_.seed),
                       static_cast<uint32_t>(state_.seed >> 32)};
    philox4x32_10(ctr, key, state_.buffer);
    ++state_.block;
    state_.used = 0;
  }

 public:
  /// The Philox4x32 block function with 10 rounds (Salmon et al., SC'11).
  static void philox4x32_10(const uint32_t ctr_in[4], const uint32_t key_in[2], uint32_t out[4]) {
    uint32_t c0 = ctr_in[0], c1 = ctr_in[1], c2 = ctr_in[2], c3 = ctr_in[3];
    uint32_t k0 = key_in[0], k1 = key_in[1];
    for (int round = 0; round < 10; ++round) {
      uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c0;
      uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
      uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
      uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
      c0 = hi1 ^ c1 ^ k0;
      c1 = lo1;
      c2 = hi0 ^ c3 ^ k1;
      c3 = lo0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
  }

 private:
  State state_;
};

}  // namespace nn
