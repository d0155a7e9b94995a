// Benchmarks for kernels::gemm on the active SIMD path (PHANTOM_SIMD=scalar|avx2|avx512 picks
// one), single-threaded unless PHANTOM_NUM_THREADS is set.
//
// BM_Sgemm/M/K/N (arguments in that order) is C[M x N] = A[M x K] * B[K x N], row-major, NN. The RL
// shapes are the layers of a small MLP at batch 1, 64, 512, 2048; BM_SgemmNT / BM_SgemmTN are the
// backward forms (dX = dY * W^T and dW = X^T * dY). BM_SgemmMlpStep / BM_SgemmMlpInfer time all the
// products of one training step (forward + backward, batch 64) and one batch-1 forward of a
// 4-64-64-3 MLP. GFLOPS counts 2*M*N*K flops per product.
//
// BM_FmaPeak/<isa> is the ceiling those GFLOPS figures are quoted against: one core's multiply-add
// throughput (fma_peak.hpp: independent register accumulators, so neither latency nor memory
// limits it).
// BM_SgemmPeakShare/M/K/N times a product and that peak alternately and reports the share reached.
// BM_FmaChain/<isa>/64 is the other bound: 64 dependent multiply-adds, the latency floor of any
// product with k = 64 that keeps each output's summation order (batch-1 products are close to it).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "common/fma_peak.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/thread_pool.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define PH_BENCH_X86 1
#include <immintrin.h>
#endif

namespace {

// Runs the benchmark on one thread unless the environment chose a thread count, and restores
// the default pool afterwards so other benchmarks in this program are not affected.
class SingleThreadScope {
 public:
  SingleThreadScope() : active_(std::getenv("PHANTOM_NUM_THREADS") == nullptr) {
    if (active_) nn::set_num_threads(1);
  }
  ~SingleThreadScope() {
    if (active_) nn::set_num_threads(0);
  }
  SingleThreadScope(const SingleThreadScope&) = delete;
  SingleThreadScope& operator=(const SingleThreadScope&) = delete;

 private:
  bool active_;
};

// A matrix whose data starts `offset` floats past a 64-byte boundary. Vector loads from rows
// that straddle cache lines are slower, and malloc only promises 16-byte alignment, so the
// benchmarks align explicitly (offset 0) to be reproducible; BM_SgemmMisaligned shows the cost
// of the other case.
class Matrix {
 public:
  Matrix(std::size_t count, float seed, int offset = 0) : storage_(count + 16 + offset) {
    const auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
    data_ = storage_.data() + ((64 - address % 64) % 64) / sizeof(float) + offset;
    std::uint32_t x = static_cast<std::uint32_t>(seed * 1000.0f) + 12345u;
    for (std::size_t i = 0; i < count; ++i) {
      x = x * 1664525u + 1013904223u;
      data_[i] = static_cast<float>(x >> 8) / 16777216.0f - 0.5f;  // [-0.5, 0.5)
    }
  }
  // Moving keeps the heap buffer (and so data_) in place; a copy would point into the source.
  Matrix(Matrix&&) noexcept = default;
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  float* data() { return data_; }

 private:
  std::vector<float> storage_;
  float* data_;
};

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOPS"] =
      benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// C[M x N] = op(A) * op(B) with op(A) M x K and op(B) K x N, stored densely.
void run_gemm(benchmark::State& state, bool trans_a, bool trans_b, int offset = 0) {
  SingleThreadScope single_thread;
  const int m = static_cast<int>(state.range(0));
  const int k = static_cast<int>(state.range(1));
  const int n = static_cast<int>(state.range(2));
  Matrix a(static_cast<std::size_t>(m) * k, 1.0f, offset);
  Matrix b(static_cast<std::size_t>(k) * n, 2.0f, offset);
  Matrix c(static_cast<std::size_t>(m) * n, 3.0f, offset);
  const int lda = trans_a ? m : k, ldb = trans_b ? k : n;
  for (auto _ : state) {
    nn::kernels::gemm(trans_a, trans_b, m, n, k, a.data(), lda, b.data(), ldb, c.data(), n, false);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * m * n * k);
  state.SetLabel(nn::kernels::isa_name(nn::kernels::active_isa()));
}

void BM_Sgemm(benchmark::State& state) {
  run_gemm(state, false, false);
}
void BM_SgemmNT(benchmark::State& state) {
  run_gemm(state, false, true);
}
void BM_SgemmTN(benchmark::State& state) {
  run_gemm(state, true, false);
}
// Every matrix 16 bytes past a cache-line boundary (what malloc may return).
void BM_SgemmMisaligned(benchmark::State& state) {
  run_gemm(state, false, false, 4);
}

BENCHMARK(BM_Sgemm)
    ->Args({64, 64, 64})
    ->Args({256, 256, 256})
    ->Args({1024, 1024, 1024})
    ->Args({1, 64, 64})
    ->Args({64, 4, 64})
    ->Args({512, 64, 64})
    ->Args({2048, 64, 64})
    ->Args({4096, 256, 256})
    ->Args({1, 4, 64})
    ->Args({1, 64, 3})
    ->Args({64, 64, 3})
    ->Args({2, 64, 64})
    ->Args({4, 64, 64})
    ->Args({8, 64, 64})
    ->Args({8, 4, 64})
    ->Args({8, 64, 3});
BENCHMARK(BM_SgemmNT)->Args({64, 64, 64})->Args({512, 64, 64});
BENCHMARK(BM_SgemmMisaligned)->Args({64, 64, 64})->Args({1, 64, 64});
// dW = X^T * dY for a 64x64 layer has k = batch: 64x512x64 is that product at batch 512.
BENCHMARK(BM_SgemmTN)->Args({64, 64, 64})->Args({512, 64, 64})->Args({64, 512, 64});

// All the products of one training step of a 4-64-64-3 MLP at batch 64 (Y = X * W, W is
// [in, out]): three forward products, then for each layer dW = X^T * dY and (except the first
// layer) dX = dY * W^T.
void BM_SgemmMlpStep(benchmark::State& state) {
  SingleThreadScope single_thread;
  const int batch = 64, sizes[] = {4, 64, 64, 3};
  std::vector<Matrix> w, dw, act, dact;
  for (int l = 0; l < 3; ++l) {
    w.emplace_back(static_cast<std::size_t>(sizes[l]) * sizes[l + 1], 1.0f + l);
    dw.emplace_back(static_cast<std::size_t>(sizes[l]) * sizes[l + 1], 2.0f + l);
  }
  for (int l = 0; l < 4; ++l) {
    act.emplace_back(static_cast<std::size_t>(batch) * sizes[l], 5.0f + l);
    dact.emplace_back(static_cast<std::size_t>(batch) * sizes[l], 9.0f + l);
  }
  double flops = 0;
  for (auto _ : state) {
    flops = 0;
    for (int l = 0; l < 3; ++l) {  // act[l+1] = act[l] * w[l]
      const int in = sizes[l], out = sizes[l + 1];
      nn::kernels::gemm(false, false, batch, out, in, act[l].data(), in, w[l].data(), out,
                        act[l + 1].data(), out, false);
      flops += 2.0 * batch * in * out;
    }
    for (int l = 2; l >= 0; --l) {
      const int in = sizes[l], out = sizes[l + 1];
      // dW[in x out] = act[l]^T [in x batch] * dact[l+1] [batch x out]
      nn::kernels::gemm(true, false, in, out, batch, act[l].data(), in, dact[l + 1].data(), out,
                        dw[l].data(), out, false);
      flops += 2.0 * batch * in * out;
      if (l > 0) {
        // dX[batch x in] = dY [batch x out] * W^T [out x in]
        nn::kernels::gemm(false, true, batch, in, out, dact[l + 1].data(), out, w[l].data(), out,
                          dact[l].data(), in, false);
        flops += 2.0 * batch * in * out;
      }
    }
    benchmark::ClobberMemory();
  }
  set_flops(state, flops);
}
BENCHMARK(BM_SgemmMlpStep);

// The three products of a batch-1 forward pass of the same MLP.
void BM_SgemmMlpInfer(benchmark::State& state) {
  SingleThreadScope single_thread;
  const int sizes[] = {4, 64, 64, 3};
  std::vector<Matrix> w, act;
  for (int l = 0; l < 3; ++l) {
    w.emplace_back(static_cast<std::size_t>(sizes[l]) * sizes[l + 1], 1.0f + l);
  }
  for (int l = 0; l < 4; ++l) act.emplace_back(static_cast<std::size_t>(sizes[l]), 5.0f + l);
  for (auto _ : state) {
    for (int l = 0; l < 3; ++l) {
      nn::kernels::gemm(false, false, 1, sizes[l + 1], sizes[l], act[l].data(), sizes[l],
                        w[l].data(), sizes[l + 1], act[l + 1].data(), sizes[l + 1], false);
    }
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * (4 * 64 + 64 * 64 + 64 * 3));
}
BENCHMARK(BM_SgemmMlpInfer);

// ---------------------------------------------------------------------------------------------
// The FMA ceiling and floor of this core
// ---------------------------------------------------------------------------------------------
#if defined(PH_BENCH_X86)

// One chain of `steps` dependent FMAs on a 16-lane register (AVX-512) or an 8-lane one (AVX2),
// compiled for its instruction set through a function attribute (this file is built for the
// baseline target) and called only after fma_peak::cpu_has said the CPU has it.
__attribute__((target("avx512f,fma"), noinline)) float fma_chain_zmm(std::int64_t steps,
                                                                     float seed) {
  __m512 acc = _mm512_set1_ps(seed);
  const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(0.001f);
  for (std::int64_t s = 0; s < steps; ++s) acc = _mm512_fmadd_ps(acc, x, y);
  float lanes[16];
  _mm512_storeu_ps(lanes, acc);
  return lanes[0];
}
__attribute__((target("avx2,fma"), noinline)) float fma_chain_ymm(std::int64_t steps, float seed) {
  __m256 acc = _mm256_set1_ps(seed);
  const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(0.001f);
  for (std::int64_t s = 0; s < steps; ++s) acc = _mm256_fmadd_ps(acc, x, y);
  float lanes[8];
  _mm256_storeu_ps(lanes, acc);
  return lanes[0];
}

// GFLOPS = 2 flops x lanes x accumulators x steps per iteration.
void BM_FmaPeak(benchmark::State& state, bool zmm) {
  if (!fma_peak::cpu_has(zmm)) {
    state.SkipWithError(zmm ? "this CPU has no AVX-512" : "this CPU has no AVX2+FMA");
    return;
  }
  constexpr std::int64_t kSteps = 1024;
  float seed = 0.5f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(seed);  // opaque inputs: the loop cannot be evaluated at compile time
    float r = fma_peak::run(zmm, kSteps, seed);
    benchmark::DoNotOptimize(r);
  }
  const int lanes = zmm ? 16 : 8;
  set_flops(state, 2.0 * lanes * fma_peak::accumulators(zmm) * kSteps);
}
BENCHMARK_CAPTURE(BM_FmaPeak, avx512, true);
BENCHMARK_CAPTURE(BM_FmaPeak, avx2, false);

// Time per iteration = state.range(0) FMA latencies; ns_per_fma is one latency.
void BM_FmaChain(benchmark::State& state, bool zmm) {
  if (!fma_peak::cpu_has(zmm)) {
    state.SkipWithError(zmm ? "this CPU has no AVX-512" : "this CPU has no AVX2+FMA");
    return;
  }
  const std::int64_t steps = state.range(0);
  float seed = 0.5f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(seed);  // a fresh, opaque start: the chain cannot be hoisted
    float r = zmm ? fma_chain_zmm(steps, seed) : fma_chain_ymm(steps, seed);
    benchmark::DoNotOptimize(r);
  }
  // Inverted rate: seconds per (iterations x steps x 1e-9) = nanoseconds per FMA.
  state.counters["ns_per_fma"] = benchmark::Counter(
      static_cast<double>(steps) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK_CAPTURE(BM_FmaChain, avx512, true)->Arg(64);
BENCHMARK_CAPTURE(BM_FmaChain, avx2, false)->Arg(64);

// The share of the FMA peak a product reaches, immune to this VM's drift: each iteration times one
// product and an FMA-peak loop doing the same number of flops back to back (in alternating order),
// and peak_share is the loop's time over the product's, summed over all iterations. Uses the
// register width of the active SIMD path.
void BM_SgemmPeakShare(benchmark::State& state) {
  SingleThreadScope single_thread;
  const std::optional<bool> width = fma_peak::active_width_or_skip(state);
  if (!width) return;
  const bool zmm = *width;
  const int m = static_cast<int>(state.range(0));
  const int k = static_cast<int>(state.range(1));
  const int n = static_cast<int>(state.range(2));
  Matrix a(static_cast<std::size_t>(m) * k, 1.0f), b(static_cast<std::size_t>(k) * n, 2.0f),
      c(static_cast<std::size_t>(m) * n, 3.0f);
  const double flops = 2.0 * m * n * k;
  const std::int64_t steps = fma_peak::steps_for(flops, zmm);
  double gemm_seconds = 0, peak_seconds = 0;
  float seed = 0.5f;
  bool gemm_first = true;
  for (auto _ : state) {
    for (int turn = 0; turn < 2; ++turn) {
      const auto start = std::chrono::steady_clock::now();
      if ((turn == 0) == gemm_first) {
        nn::kernels::gemm(false, false, m, n, k, a.data(), k, b.data(), n, c.data(), n, false);
        benchmark::ClobberMemory();
      } else {
        benchmark::DoNotOptimize(seed);
        float r = fma_peak::run(zmm, steps, seed);
        benchmark::DoNotOptimize(r);
      }
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ((turn == 0) == gemm_first ? gemm_seconds : peak_seconds) += s;
    }
    gemm_first = !gemm_first;
  }
  state.counters["peak_share"] = peak_seconds / gemm_seconds;
  set_flops(state, flops);
  state.SetLabel(nn::kernels::isa_name(nn::kernels::active_isa()));
}
BENCHMARK(BM_SgemmPeakShare)
    ->Args({1024, 1024, 1024})
    ->Args({2048, 256, 256})
    ->Unit(benchmark::kMillisecond);

#endif  // PH_BENCH_X86

}  // namespace
