// One core's multiply-add ceiling, shared by the benchmarks that quote a share of it
// (BM_FmaPeak, BM_SgemmPeakShare, BM_MlpTrainStepFloor).
//
// fma_peak::run performs steps x kAccumulators independent FMAs on 16-lane (zmm) or 8-lane (ymm)
// registers: enough independent chains to cover the FMA latency times the FMA ports, with no
// memory traffic, so neither latency nor memory limits it.
#pragma once

#include <cstdint>

namespace fma_peak {

constexpr int kAccumulators = 16;

/// Whether this CPU can run the loop on 16-lane registers (zmm: AVX-512F + FMA) or on 8-lane ones
/// (ymm: AVX2 + FMA).
bool cpu_has(bool zmm);

/// steps x kAccumulators FMAs on zmm or ymm registers, from an opaque seed; returns a value that
/// depends on every accumulator (pass it to benchmark::DoNotOptimize). Call only when
/// cpu_has(zmm).
float run(bool zmm, std::int64_t steps, float seed);

/// Steps of run() that perform at least `flops` flops (2 per multiply-add).
std::int64_t steps_for(double flops, bool zmm);

}  // namespace fma_peak
