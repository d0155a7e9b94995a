// nn::Rng: a counter-based random generator (Philox4x32-10) with independent streams.
//
// Philox turns (key, counter) into 4 random 32-bit words by 10 rounds of multiply-and-xor; the
// next block is just counter + 1. There is no hidden state to advance serially, so any number of
// independent streams can be derived from (seed, stream ids) and each gives the same numbers
// whichever thread draws them. The seed is the key; the 128-bit counter is (block index, stream).
//
// There is no global generator in phantom-cpp: whoever needs randomness owns an Rng.
//
// Reference: Salmon, Moraes, Dror, Shaw, "Parallel Random Numbers: As Easy as 1, 2, 3" (SC'11).
// philox4x32_10 reproduces the Random123 known-answer vectors (tests/nn/rng_test.cpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nn/error.hpp"
#include "nn/libm.hpp"

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
  /// For a fixed parent, distinct ids always give distinct streams (mix is a bijection in id).
  Rng derive(uint64_t id) const { return Rng(state_.seed, mix(state_.stream, id)); }

  const State& state() const { return state_; }
  /// Resumes from a saved state. Throws ValueError if `used` is not in 0..4 (a corrupted state
  /// would otherwise read past the buffer).
  void set_state(const State& s) {
    if (s.used > 4) {
      throw phantom::ValueError("Rng::set_state: used = " + std::to_string(s.used) +
                                ", expected 0..4");
    }
    state_ = s;
  }

  /// The next 32 random bits.
  uint32_t next_u32() {
    if (state_.used == 4) refill();
    return state_.buffer[state_.used++];
  }
  /// The next 64 random bits (two words, the first one high).
  uint64_t next_u64() {
    uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }

  /// Uniform float in [0, 1) with 24 random bits (every value is exact, so 1 is never reached).
  float uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }
  /// Uniform float in [lo, hi), lo < hi. lo + (hi - lo) * u can round up to exactly hi (e.g. lo =
  /// 1, hi = 2, u = 1 - 2^-24), so that one value is mapped to the largest float below hi.
  float uniform(float lo, float hi) {
    float x = lo + (hi - lo) * uniform();
    return x < hi ? x : std::nextafter(hi, lo);
  }
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform_double() {
    return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
  }

  /// Standard normal via Box-Muller (one draw per pair of uniforms; no cached spare, so the state
  /// stays a plain counter). log and cos are our own (nn/libm.hpp), so the same seed gives the
  /// same normals with any C library; sqrt is correctly rounded everywhere.
  float normal() {
    double u1 = 1.0 - uniform_double();  // (0, 1]: log is finite
    double u2 = uniform_double();
    return static_cast<float>(std::sqrt(-2.0 * libm::log(u1)) * libm::cos(6.283185307179586 * u2));
  }
  float normal(float mean, float stddev) { return mean + stddev * normal(); }

  /// Unbiased integer in [lo, hi) (Lemire's multiply-and-reject). Throws ValueError if hi <= lo.
  /// Any range works, up to [INT64_MIN, INT64_MAX).
  int64_t uniform_int(int64_t lo, int64_t hi) {
    if (hi <= lo) throw_empty_range(lo, hi);
    // The offset can exceed INT64_MAX, so add in unsigned (wrapping) arithmetic: signed overflow
    // would be undefined behaviour.
    uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(range));
  }
  /// Unbiased integer in [0, n). Throws ValueError if n <= 0.
  int64_t uniform_int(int64_t n) { return uniform_int(0, n); }

  /// True with probability p (p in [0, 1]; throws ValueError otherwise, including NaN).
  bool bernoulli(double p) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw phantom::ValueError("Rng::bernoulli: p = " + std::to_string(p) + ", expected [0, 1]");
    }
    return uniform_double() < p;  // < so that p = 0 is never and p = 1 is always true
  }

  /// Fisher-Yates shuffle of [first, last) (random-access iterators).
  template <class It>
  void shuffle(It first, It last) {
    auto n = static_cast<uint64_t>(last - first);
    for (uint64_t i = n; i > 1; --i) {
      uint64_t j = below(i);
      using std::swap;
      swap(first[i - 1], first[j]);
    }
  }

  /// Index drawn with probability proportional to weights[i]. Weights must be finite and
  /// non-negative with a positive sum (else ValueError); a zero weight is never chosen.
  int categorical(const float* weights, int n) {
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      if (!(weights[i] >= 0.0f) || std::isinf(weights[i])) {
        throw phantom::ValueError("Rng::categorical: weights[" + std::to_string(i) +
                                  "] = " + std::to_string(weights[i]) +
                                  ", expected finite and non-negative");
      }
      total += weights[i];
    }
    if (!(total > 0.0)) {
      throw phantom::ValueError(
          "Rng::categorical: weights must have a positive sum (n = " + std::to_string(n) + ")");
    }
    // cum below is summed in the same order as total, so it ends at exactly total; u < total
    // except when u * total rounds up to total, which the fallback handles.
    double u = uniform_double() * total, cum = 0.0;
    int last_positive = 0;
    for (int i = 0; i < n; ++i) {
      if (weights[i] > 0.0f) last_positive = i;
      cum += weights[i];
      if (u < cum) return i;  // a zero weight leaves cum unchanged, so it can never be hit
    }
    return last_positive;  // u landed on the rounding error at the top end
  }
  int categorical(const std::vector<float>& weights) {
    return categorical(weights.data(), static_cast<int>(weights.size()));
  }

  /// The Philox4x32 block function with 10 rounds (Salmon et al., SC'11): 4 counter words and 2
  /// key words in, 4 random words out. A pure function; Rng calls it once per 4 words drawn.
  static void philox4x32_10(const uint32_t ctr_in[4], const uint32_t key_in[2], uint32_t out[4]) {
    uint32_t c0 = ctr_in[0], c1 = ctr_in[1], c2 = ctr_in[2], c3 = ctr_in[3];
    uint32_t k0 = key_in[0], k1 = key_in[1];
    for (int round = 0; round < 10; ++round) {
      // One round: two 32x32 -> 64-bit products, then a Feistel-like swap-and-xor with the key.
      uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c0;
      uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
      uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
      uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
      c0 = hi1 ^ c1 ^ k0;
      c1 = lo1;
      c2 = hi0 ^ c3 ^ k1;
      c3 = lo0;
      // The key schedule: add the Weyl constants (golden ratio, sqrt(3) - 1). The bump after
      // the last round is unused, which is the same as bumping before rounds 2..10.
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
  }

 private:
  // Unbiased integer in [0, range), range > 0.
  uint64_t below(uint64_t range) {
    if (range <= 0xFFFFFFFFull) {
      // Lemire: the high word of x * range is in [0, range); reject the few low words that would
      // make some results more likely (threshold = 2^32 mod range), computed only when needed.
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
    // Wide ranges: rejection on the smallest covering power of two (accepts > 1/2 of draws).
    uint64_t mask = range - 1;
    for (int s = 1; s < 64; s *= 2) mask |= mask >> s;
    for (;;) {
      uint64_t x = next_u64() & mask;
      if (x < range) return x;
    }
  }

  // Separate from uniform_int so that building the message does not keep uniform_int, which
  // agents call in their step loops, from being inlined.
  [[noreturn]] static void throw_empty_range(int64_t lo, int64_t hi) {
    throw phantom::ValueError("Rng::uniform_int: empty range [" + std::to_string(lo) + ", " +
                              std::to_string(hi) + ")");
  }

  // Hash of (a, b) used to derive stream ids: a hash_combine step, then the SplitMix64
  // finaliser. For fixed a every step is a bijection of b, so distinct ids never collide.
  static uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t z = a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2));
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Generates block `state_.block` of this stream into the buffer.
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

  State state_;
};

}  // namespace nn
