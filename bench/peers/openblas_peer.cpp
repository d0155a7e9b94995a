// BM_VsOpenBlas/Sgemm/M/K/N: nn::kernels::gemm against OpenBLAS's row-major cblas_sgemm, both
// C[M x N] = A[M x K] * B[K x N] on one thread, at the shapes of RL networks (batch 1 to 2048 on
// 4 -> 64 -> 64 -> 3 layers) and at 1024^3.
//
// OpenBLAS picks its kernel when the library loads; OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in the
// environment override that choice (an older kernel, several times slower at small shapes), so
// start-up prints the kernel in use and warns if either is set.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/alternate_timing.hpp"
#include "nn/kernels/kernels.hpp"
#include "peer_registry.hpp"

namespace {

struct Shape {
  int m, k, n;
};

const Shape kShapes[] = {{1, 64, 64},  {1, 4, 64},  {1, 64, 3},     {8, 64, 64},       {64, 4, 64},
                         {64, 64, 64}, {64, 64, 3}, {2048, 64, 64}, {1024, 1024, 1024}};

// Values in [-0.5, 0.5) from a fixed linear congruential sequence.
std::vector<float> filled(std::size_t count, uint32_t seed) {
  std::vector<float> v(count);
  for (float& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  }
  return v;
}

struct Operands {
  explicit Operands(Shape s)
      : shape(s),
        a(filled(std::size_t(s.m) * s.k, 1)),
        b(filled(std::size_t(s.k) * s.n, 2)),
        ours(std::size_t(s.m) * s.n),
        peer(std::size_t(s.m) * s.n) {}
  void run_ours() {
    nn::kernels::gemm(false, false, shape.m, shape.n, shape.k, a.data(), shape.k, b.data(), shape.n,
                      ours.data(), shape.n, false);
  }
  void run_peer() {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, shape.m, shape.n, shape.k, 1.0f,
                a.data(), shape.k, b.data(), shape.n, 0.0f, peer.data(), shape.n);
  }
  Shape shape;
  std::vector<float> a, b, ours, peer;
};

void sgemm(benchmark::State& state) {
  Operands op({static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
               static_cast<int>(state.range(2))});
  const bool big = op.shape.m * int64_t(op.shape.n) * op.shape.k >= (int64_t(1) << 24);
  bench_timing::compare_alternately(
      state, [&] { op.run_ours(); }, [&] { op.run_peer(); },
      big ? bench_timing::CallUnit::microseconds : bench_timing::CallUnit::nanoseconds);
}

// The two products agree within float rounding. Each output is a sum of k products of values
// below 0.5 in magnitude, whose partial sums stay near 1 for these data; summing in another order
// moves each rounding by at most 2^-24 of that, so k * 2^-24 bounds the difference, while a wrong
// product (a missed term, a transposed operand) is off by around 0.1.
bool same_products() {
  bool ok = true;
  for (Shape s : kShapes) {
    Operands op(s);
    op.run_ours();
    op.run_peer();
    double worst = 0;
    for (std::size_t i = 0; i < op.ours.size(); ++i) {
      worst = std::max(worst, std::fabs(double(op.ours[i]) - op.peer[i]));
    }
    const double tolerance = s.k * 0x1p-24;
    if (worst > tolerance) {
      std::printf("peer check OpenBLAS Sgemm/%d/%d/%d largest difference %.2e > %.2e MISMATCH\n",
                  s.m, s.k, s.n, worst, tolerance);
      ok = false;
    }
  }
  std::printf("peer check OpenBLAS Sgemm              %zu shapes within k * 2^-24 of ours: %s\n",
              std::size(kShapes), ok ? "ok" : "MISMATCH");
  return ok;
}

bool startup() {
  openblas_set_num_threads(1);
  std::printf("OpenBLAS %s, kernel %s\n", openblas_get_config(), openblas_get_corename());
  for (const char* name : {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}) {
    if (const char* value = std::getenv(name)) {
      std::printf(
          "WARNING: %s=%s pins OpenBLAS's kernel choice; for its own choice run "
          "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ./peer_bench\n",
          name, value);
    }
  }
  return same_products();
}

const bool registered = [] {
  benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark("BM_VsOpenBlas/Sgemm", sgemm);
  for (Shape s : kShapes) b->Args({s.m, s.k, s.n});
  return peers::register_peer("OpenBLAS", startup);
}();

}  // namespace
