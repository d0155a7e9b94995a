// Single-threaded throughput of the elementwise kernels on the active SIMD path (set
// PHANTOM_SIMD=scalar|avx2|avx512 to compare paths). items/s counts elements; Gelem_per_s is
// the same rate in billions of elements per second, for quick reading.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "nn/kernels/kernels.hpp"

namespace {

namespace k = nn::kernels;

constexpr int64_t kMillion = 1 << 20;

std::vector<float> make_input(int64_t n, float lo, float hi) {
  std::vector<float> v(n);
  uint32_t s = 12345;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = lo + (hi - lo) * static_cast<float>(s >> 8) * (1.0f / 16777216.0f);
  }
  return v;
}

void set_rate(benchmark::State& state, int64_t n) {
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["Gelem_per_s"] = benchmark::Counter(static_cast<double>(n) * 1e-9,
                                                     benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(k::isa_name(k::active_isa()));
}

void map_bench(benchmark::State& state, void (*kernel)(const float*, float*, int64_t), float lo,
               float hi, int64_t n = kMillion) {
  const std::vector<float> x = make_input(n, lo, hi);
  std::vector<float> y(n);
  for (auto _ : state) {
    kernel(x.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, n);
}

void BM_Tanh1M(benchmark::State& state) {
  map_bench(state, k::tanh, -5.0f, 5.0f);
}
/// 16K floats stay in L1/L2: the kernel's compute speed without the memory system.
void BM_Tanh16K(benchmark::State& state) {
  map_bench(state, k::tanh, -5.0f, 5.0f, 1 << 14);
}
void BM_Exp16K(benchmark::State& state) {
  map_bench(state, k::exp, -20.0f, 20.0f, 1 << 14);
}
void BM_Log16K(benchmark::State& state) {
  map_bench(state, k::log, 1e-6f, 1e6f, 1 << 14);
}
void BM_Exp1M(benchmark::State& state) {
  map_bench(state, k::exp, -20.0f, 20.0f);
}
void BM_Log1M(benchmark::State& state) {
  map_bench(state, k::log, 1e-6f, 1e6f);
}
void BM_Sigmoid1M(benchmark::State& state) {
  map_bench(state, k::sigmoid, -10.0f, 10.0f);
}
void BM_Softplus1M(benchmark::State& state) {
  map_bench(state, k::softplus, -10.0f, 10.0f);
}

void BM_Add1M(benchmark::State& state) {
  const int64_t n = kMillion;
  const std::vector<float> a = make_input(n, -1.0f, 1.0f), b = make_input(n, -2.0f, 2.0f);
  std::vector<float> y(n);
  for (auto _ : state) {
    k::add(a.data(), b.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, n);
}

void BM_Acc1M(benchmark::State& state) {
  const int64_t n = kMillion;
  const std::vector<float> a = make_input(n, -1.0f, 1.0f);
  std::vector<float> y(n, 0.0f);
  for (auto _ : state) {
    k::acc(a.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, n);
}

void BM_Sum1M(benchmark::State& state) {
  const int64_t n = kMillion;
  const std::vector<float> x = make_input(n, -1.0f, 1.0f);
  for (auto _ : state) benchmark::DoNotOptimize(k::sum(x.data(), n));
  set_rate(state, n);
}

void BM_Max1M(benchmark::State& state) {
  const int64_t n = kMillion;
  const std::vector<float> x = make_input(n, -1.0f, 1.0f);
  for (auto _ : state) benchmark::DoNotOptimize(k::max(x.data(), n));
  set_rate(state, n);
}

void BM_SoftmaxRows(benchmark::State& state) {
  const int64_t rows = 1024, cols = state.range(0);
  const std::vector<float> x = make_input(rows * cols, -8.0f, 8.0f);
  std::vector<float> y(rows * cols);
  for (auto _ : state) {
    k::softmax_rows(x.data(), rows, cols, y.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, rows * cols);
}

/// One Adam step over n parameters (4800 ~ a 4 -> 64 -> 64 -> 3 MLP: 320 + 4160 + 195 weights
/// and biases).
void BM_AdamUpdate(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> p = make_input(n, -1.0f, 1.0f), m(n, 0.0f), v(n, 0.0f);
  const std::vector<float> g = make_input(n, -0.1f, 0.1f);
  for (auto _ : state) {
    k::adam_update(p.data(), g.data(), m.data(), v.data(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f,
                   0.001f);
    benchmark::DoNotOptimize(p.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, n);
}

}  // namespace

BENCHMARK(BM_Tanh1M);
BENCHMARK(BM_Tanh16K);
BENCHMARK(BM_Exp16K);
BENCHMARK(BM_Log16K);
BENCHMARK(BM_Exp1M);
BENCHMARK(BM_Log1M);
BENCHMARK(BM_Sigmoid1M);
BENCHMARK(BM_Softplus1M);
BENCHMARK(BM_Add1M);
BENCHMARK(BM_Acc1M);
BENCHMARK(BM_Sum1M);
BENCHMARK(BM_Max1M);
BENCHMARK(BM_SoftmaxRows)->Arg(3)->Arg(64);
BENCHMARK(BM_AdamUpdate)->Arg(4800);
