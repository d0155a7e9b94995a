// Hand-off latency of nn::ThreadPool: what one run() of an empty task costs.
//
// BM_PoolRoundTrip/N          back-to-back empty runs on an N-thread pool: the spinning fast
//                             path every op pays when ops follow each other closely.
// BM_PoolRoundTripAfterSleep  one empty run after the pool has gone idle past its spin window:
//                             the condition-variable wake-up path (manual timing excludes the
//                             sleep itself).
// BM_PoolParallelForSum/N     a small useful workload (sum of 64k floats in N slices), to see
//                             the hand-off next to a few microseconds of real work.
#include <benchmark/benchmark.h>

#include <chrono>
#include <thread>
#include <vector>

#include "nn/thread_pool.hpp"

namespace {

void BM_PoolRoundTrip(benchmark::State& state) {
  nn::ThreadPool pool(static_cast<int>(state.range(0)));
  int sink[64] = {};
  for (auto _ : state) {
    pool.run([&](int ith, int) { benchmark::DoNotOptimize(sink[ith]); });
  }
}
BENCHMARK(BM_PoolRoundTrip)->Arg(1)->Arg(2)->Arg(4);

void BM_PoolRoundTripAfterSleep(benchmark::State& state) {
  nn::ThreadPool pool(2);
  const auto idle = std::chrono::microseconds(pool.spin_window_us() + 1000);
  int sink[2] = {};
  for (auto _ : state) {
    std::this_thread::sleep_for(idle);  // workers fall asleep
    auto start = std::chrono::steady_clock::now();
    pool.run([&](int ith, int) { benchmark::DoNotOptimize(sink[ith]); });
    auto stop = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
  }
}
BENCHMARK(BM_PoolRoundTripAfterSleep)->UseManualTime()->Iterations(200);

void BM_PoolParallelForSum(benchmark::State& state) {
  nn::ThreadPool pool(static_cast<int>(state.range(0)));
  std::vector<float> x(1 << 16, 1.0f);
  std::vector<float> partial(64, 0.0f);
  for (auto _ : state) {
    pool.run([&](int ith, int nth) {
      auto r = nn::ThreadPool::split(static_cast<int64_t>(x.size()), ith, nth);
      float s = 0.0f;
      for (int64_t i = r.first; i < r.second; ++i) s += x[static_cast<size_t>(i)];
      partial[ith] = s;
    });
    float total = 0.0f;
    for (int i = 0; i < pool.num_threads(); ++i) total += partial[i];
    benchmark::DoNotOptimize(total);
  }
}
BENCHMARK(BM_PoolParallelForSum)->Arg(1)->Arg(2);

}  // namespace
