// MLP training and inference benchmarks (the workload of tests/workloads/mlp_step.hpp).
//
//   BM_MlpTrainStep/<batch>      4 -> 64 -> 64 -> (2 logits + 1 value): forward, backward, Adam
//   BM_MlpTrainStepWide/<batch>  32 -> 256 -> 256 -> 8
//   BM_MlpInfer1                 batch-1 forward of the 64-wide net with Mlp::infer (acting path)
//   BM_MlpInfer1Chained          the same, each input waiting for the previous output: consecutive
//                                calls cannot overlap, so this is the latency of one inference
//   BM_MlpInfer1WithOps          the same through the autograd ops under NoGradGuard
//   BM_MlpTrainStepFloor/<net>/<batch>
//                                a train step beside its floor, timed alternately (see below)
// Single-threaded unless PHANTOM_NUM_THREADS is set.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "common/alternate_timing.hpp"
#include "common/floor_work.hpp"
#include "common/fma_peak.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/thread_pool.hpp"
#include "workloads/mlp_step.hpp"

namespace {

void configure() {
  if (std::getenv("PHANTOM_NUM_THREADS") == nullptr) nn::set_num_threads(1);
}

void report(benchmark::State& state, int64_t batch) {
  state.SetItemsProcessed(state.iterations() * batch);  // samples per second
  state.SetLabel(nn::kernels::isa_name(nn::kernels::active_isa()));
}

void BM_MlpTrainStep(benchmark::State& state) {
  configure();
  int64_t batch = state.range(0);
  workloads::MlpStep w({4, 64, 64, 3}, batch, 1);
  for (int i = 0; i < 3; ++i) w.step();
  for (auto _ : state) benchmark::DoNotOptimize(w.step());
  report(state, batch);
}
BENCHMARK(BM_MlpTrainStep)->Arg(64)->Arg(512)->Arg(2048)->Unit(benchmark::kMicrosecond);

void BM_MlpTrainStepWide(benchmark::State& state) {
  configure();
  int64_t batch = state.range(0);
  workloads::MlpStep w({32, 256, 256, 8}, batch, 1);
  for (int i = 0; i < 3; ++i) w.step();
  for (auto _ : state) benchmark::DoNotOptimize(w.step());
  report(state, batch);
}
BENCHMARK(BM_MlpTrainStepWide)->Arg(64)->Arg(512)->Arg(2048)->Unit(benchmark::kMicrosecond);

void BM_MlpInfer1(benchmark::State& state) {
  configure();
  workloads::MlpStep w({4, 64, 64, 3}, 1, 1);
  for (int i = 0; i < 3; ++i) w.infer_one();
  for (auto _ : state) benchmark::DoNotOptimize(w.infer_one());
  report(state, 1);
}
BENCHMARK(BM_MlpInfer1)->Unit(benchmark::kNanosecond);

// BM_MlpInfer1's calls are independent, so the CPU may start one before the previous has finished.
// Here the next input is computed from the previous output (+0 times it: the value never changes,
// the dependency does not go away), so each call starts when the previous one is done. Batch-1
// inference is mostly chains of dependent multiply-adds (4, then 64, then 64, with a tanh between
// them) that no code may shorten without changing the summation order, so this is its floor.
void BM_MlpInfer1Chained(benchmark::State& state) {
  configure();
  workloads::MlpStep w({4, 64, 64, 3}, 1, 1);
  std::vector<float> x = {0.5f, -0.25f, 0.75f, 0.125f}, y(3), workspace;
  for (int i = 0; i < 3; ++i) w.mlp().infer(x.data(), 1, y.data(), workspace);
  for (auto _ : state) {
    w.mlp().infer(x.data(), 1, y.data(), workspace);
    x[0] = 0.5f + y[0] * 0.0f;  // y[0] is finite
  }
  benchmark::DoNotOptimize(x[0]);
  report(state, 1);
}
BENCHMARK(BM_MlpInfer1Chained)->Unit(benchmark::kNanosecond);

// The same forward through the autograd ops (TapeScope + NoGradGuard), to show their overhead.
void BM_MlpInfer1WithOps(benchmark::State& state) {
  configure();
  workloads::MlpStep w({4, 64, 64, 3}, 1, 1);
  for (int i = 0; i < 3; ++i) w.infer_one_with_ops();
  for (auto _ : state) benchmark::DoNotOptimize(w.infer_one_with_ops());
  report(state, 1);
}
BENCHMARK(BM_MlpInfer1WithOps)->Unit(benchmark::kNanosecond);

// A train step beside its floor (common/floor_work.hpp: the step's multiply-adds at the FMA
// peak, tanh and its derivative on every hidden output, one Adam update), timed alternately
// (common/alternate_timing.hpp). floor_share = floor time / step time: 1 would be a step with no
// overhead left; step_us and floor_us are CPU microseconds per call.
void BM_MlpTrainStepFloor(benchmark::State& state, std::vector<int64_t> sizes) {
  configure();
  const std::optional<bool> width = fma_peak::active_width_or_skip(state);
  if (!width) return;
  const bool zmm = *width;
  const int64_t batch = state.range(0);
  workloads::MlpStep w(sizes, batch, 1);
  floor_work::FloorWork floor(zmm);
  floor.add_pass(sizes, batch, /*backward=*/true);
  floor.add_adam(sizes, 1);
  bench_timing::compare_alternately(
      state, [&] { benchmark::DoNotOptimize(w.step()); }, [&] { floor.run(); },
      bench_timing::CallUnit::microseconds, {"step", "floor", "floor_share"});
  state.SetLabel(nn::kernels::isa_name(nn::kernels::active_isa()));
}
BENCHMARK_CAPTURE(BM_MlpTrainStepFloor, reference, std::vector<int64_t>{4, 64, 64, 3})
    ->Arg(64)
    ->Arg(2048)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_MlpTrainStepFloor, wide, std::vector<int64_t>{32, 256, 256, 8})
    ->Arg(2048)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
