// The FMA-peak loops (fma_peak.hpp).
#include "common/fma_peak.hpp"

#include "nn/kernels/kernels.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define PH_FMA_PEAK_X86 1
#include <immintrin.h>
#endif

namespace fma_peak {

#if defined(PH_FMA_PEAK_X86)
namespace {

// The loops below are compiled for AVX2 / AVX-512 through function attributes (this file is built
// for the baseline target) and only called after the CPU said it has them. Each accumulator
// becomes acc * x + y, which converges to y / (1 - x) = 1 (never denormal, never overflowing),
// and the accumulators are summed into the result, so the compiler cannot drop any of them; the
// functions are not inlined and start from an opaque seed, so nothing is folded at compile time.

// The lanes of a register, summed through memory (GCC 12 warns inside _mm512_reduce_add_ps).
float lane_sum(const float* lanes, int count) {
  float total = 0.0f;
  for (int i = 0; i < count; ++i) total += lanes[i];
  return total;
}

constexpr int kZmmAccumulators = accumulators(true), kYmmAccumulators = accumulators(false);

__attribute__((target("avx512f,fma"), noinline)) float loop_zmm(std::int64_t steps, float seed) {
  __m512 acc[kZmmAccumulators];
  for (int r = 0; r < kZmmAccumulators; ++r) acc[r] = _mm512_set1_ps(seed + 0.01f * r);
  const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(0.001f);
  for (std::int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 16
    for (int r = 0; r < kZmmAccumulators; ++r) acc[r] = _mm512_fmadd_ps(acc[r], x, y);
  }
  __m512 total = acc[0];
  for (int r = 1; r < kZmmAccumulators; ++r) total = _mm512_add_ps(total, acc[r]);
  float lanes[16];
  _mm512_storeu_ps(lanes, total);
  return lane_sum(lanes, 16);
}

__attribute__((target("avx2,fma"), noinline)) float loop_ymm(std::int64_t steps, float seed) {
  __m256 acc[kYmmAccumulators];
  for (int r = 0; r < kYmmAccumulators; ++r) acc[r] = _mm256_set1_ps(seed + 0.01f * r);
  const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(0.001f);
  for (std::int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 12
    for (int r = 0; r < kYmmAccumulators; ++r) acc[r] = _mm256_fmadd_ps(acc[r], x, y);
  }
  __m256 total = acc[0];
  for (int r = 1; r < kYmmAccumulators; ++r) total = _mm256_add_ps(total, acc[r]);
  float lanes[8];
  _mm256_storeu_ps(lanes, total);
  return lane_sum(lanes, 8);
}

}  // namespace

bool cpu_has(bool zmm) {
  return zmm ? __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")
             : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

float run(bool zmm, std::int64_t steps, float seed) {
  return zmm ? loop_zmm(steps, seed) : loop_ymm(steps, seed);
}

#else  // no x86 SIMD: the benchmarks that need the loop skip themselves

bool cpu_has(bool) {
  return false;
}
float run(bool, std::int64_t, float seed) {
  return seed;
}

#endif

std::int64_t steps_for(double flops, bool zmm) {
  const double flops_per_step = 2.0 * (zmm ? 16 : 8) * accumulators(zmm);
  return static_cast<std::int64_t>(flops / flops_per_step) + 1;
}

std::optional<bool> active_width_or_skip(benchmark::State& state) {
  const nn::kernels::Isa isa = nn::kernels::active_isa();
  const bool zmm = isa == nn::kernels::Isa::avx512;
  if ((!zmm && isa != nn::kernels::Isa::avx2) || !cpu_has(zmm)) {
    state.SkipWithError("the active SIMD path is scalar: no FMA peak to compare with");
    return std::nullopt;
  }
  return zmm;
}

}  // namespace fma_peak
