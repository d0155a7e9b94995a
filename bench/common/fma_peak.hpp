// One core's multiply-add ceiling, shared by the benchmarks that quote a share of it
// (BM_FmaPeak, BM_SgemmPeakShare, BM_MlpTrainStepFloor, BM_PpoIterationFloor).
//
// fma_peak::run performs steps x accumulators(zmm) independent FMAs on 16-lane (zmm) or 8-lane
// (ymm) registers: enough independent chains to cover the FMA latency times the FMA ports, and
// few enough to stay in registers beside the two constant operands, so neither latency nor
// memory limits it. (With 16 accumulators on AVX2's 16 ymm registers the compiler spilled three
// of them, and their chains through the stack held the loop to about 60% of the peak.)
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>

namespace fma_peak {

/// Independent accumulators of the loop: 16 of AVX-512's 32 zmm registers, 12 of AVX2's 16 ymm
/// registers, which leaves room for the two constant operands. On Zen 5 both reach the FMA units'
/// peak (217 and 110 GFLOP/s: the ymm figure is half the zmm one, as the register widths say).
constexpr int accumulators(bool zmm) {
  return zmm ? 16 : 12;
}

/// Whether this CPU can run the loop on 16-lane registers (zmm: AVX-512F + FMA) or on 8-lane ones
/// (ymm: AVX2 + FMA).
bool cpu_has(bool zmm);

/// steps x accumulators(zmm) FMAs on zmm or ymm registers, from an opaque seed; returns a value
/// that depends on every accumulator (pass it to benchmark::DoNotOptimize). Call only when
/// cpu_has(zmm).
float run(bool zmm, std::int64_t steps, float seed);

/// Steps of run() that perform at least `flops` flops (2 per multiply-add).
std::int64_t steps_for(double flops, bool zmm);

/// The register width of the active SIMD path (nn::kernels::active_isa), for the benchmarks that
/// compare it with the peak: true (zmm) for AVX-512, false (ymm) for AVX2. On the scalar path,
/// which has no FMA peak to compare with, skips the benchmark with an error and returns nullopt.
std::optional<bool> active_width_or_skip(benchmark::State& state);

}  // namespace fma_peak
