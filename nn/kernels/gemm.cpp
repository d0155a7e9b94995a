// kernels::gemm: picks the instruction-set path, splits large products over the thread pool,
// and holds the portable scalar path and the packing scratch buffers.
//
// The SIMD paths are one body (gemm_impl.hpp) compiled twice, in gemm_avx2.cpp and
// gemm_avx512.cpp (for those ISAs only); this file is compiled for the baseline target, so it is
// safe to run on any CPU. All paths compute each C element as the same FMA chain over k in
// increasing order as gemm_reference, so results do not depend on the path, the blocking or the
// thread count.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <new>

#include "nn/kernels/active_isa.hpp"
#include "nn/kernels/gemm_internal.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/thread_pool.hpp"

namespace nn::kernels {

namespace gemm_detail {
namespace {

struct AlignedBuffer {
  float* data = nullptr;
  std::size_t capacity = 0;  // in floats
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { ::operator delete (data, std::align_val_t{64}); }
};

thread_local AlignedBuffer t_scratch[kScratchCount];

}  // namespace

float* scratch(ScratchSlot slot, std::size_t floats) {
  AlignedBuffer& buf = t_scratch[slot];
  if (floats > buf.capacity) {
    // Grow geometrically so a slowly growing sequence of shapes reallocates only a few times.
    std::size_t capacity = buf.capacity * 2 > floats ? buf.capacity * 2 : floats;
    capacity = (capacity + 15) / 16 * 16;
    void* fresh = ::operator new (capacity * sizeof(float), std::align_val_t{64});
    ::operator delete (buf.data, std::align_val_t{64});
    buf.data = static_cast<float*>(fresh);
    buf.capacity = capacity;
  }
  return buf.data;
}

}  // namespace gemm_detail

namespace {

// The portable path: loops ordered i, p, j so the inner loop walks rows of B and C. Each C
// element still receives its FMAs in increasing p, starting from C or +0. std::fmaf is the C
// library's correctly rounded fused multiply-add (done in software on a CPU without FMA), so
// this path gives the same bits as the SIMD paths on any machine. Kept out of line so that the
// dispatch below stays a few instructions for the SIMD paths' small products.
__attribute__((noinline)) void gemm_portable(bool trans_a, bool trans_b, int m, int n, int k,
                                             const float* a, int lda, const float* b, int ldb,
                                             float* c, int ldc, bool accumulate) {
  for (int i = 0; i < m; ++i) {
    float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc;
    if (!accumulate) {
      for (int j = 0; j < n; ++j) c_i[j] = 0.0f;
    }
    for (int p = 0; p < k; ++p) {
      const float a_ip = trans_a ? a[static_cast<std::ptrdiff_t>(p) * lda + i]
                                 : a[static_cast<std::ptrdiff_t>(i) * lda + p];
      if (!trans_b) {
        const float* b_p = b + static_cast<std::ptrdiff_t>(p) * ldb;
        for (int j = 0; j < n; ++j) c_i[j] = std::fmaf(a_ip, b_p[j], c_i[j]);
      } else {
        for (int j = 0; j < n; ++j) {
          c_i[j] = std::fmaf(a_ip, b[static_cast<std::ptrdiff_t>(j) * ldb + p], c_i[j]);
        }
      }
    }
  }
}

}  // namespace

void gemm_detail::gemm_serial(Isa isa, bool trans_a, bool trans_b, int m, int n, int k,
                              const float* a, int lda, const float* b, int ldb, float* c, int ldc,
                              bool accumulate) {
#if defined(PHANTOM_X86_SIMD)
  if (isa == Isa::avx512) {
    avx512::gemm_serial(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  if (isa == Isa::avx2) {
    avx2::gemm_serial(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
#else
  (void)isa;
#endif
  gemm_portable(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

namespace {

// kernels::gemm past the few-rows route: checks, then one thread or a split over the pool. Out of
// line, so that its frame (the split's lambda captures its arguments by reference) is not set up
// for the small products that never get here.
__attribute__((noinline)) void gemm_threaded(bool trans_a, bool trans_b, int m, int n, int k,
                                             const float* a, int lda, const float* b, int ldb,
                                             float* c, int ldc, bool accumulate) {
  using gemm_detail::gemm_serial;
  using gemm_detail::kColUnit;
  using gemm_detail::kMinWorkPerThread;
  using gemm_detail::kRowUnit;
  if (m <= 0 || n <= 0) return;
  if (k < 0) k = 0;
  const std::int64_t work = static_cast<std::int64_t>(m) * n * k;
  const Isa isa = active_isa();
  if (work < 2 * kMinWorkPerThread) {
    gemm_serial(isa, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }

  ThreadPool& pool = default_pool();
  // Split C into `parts` blocks of whole rows (or of whole columns when C is wide and short).
  // Each C element is computed entirely by one part, with the same k order, so the split does
  // not change any result.
  const bool by_rows = m >= n;
  const int units = by_rows ? (m + kRowUnit - 1) / kRowUnit : (n + kColUnit - 1) / kColUnit;
  std::int64_t parts = work / kMinWorkPerThread;
  if (parts > pool.num_threads()) parts = pool.num_threads();
  if (parts > units) parts = units;
  if (parts <= 1) {
    gemm_serial(isa, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  const int nparts = static_cast<int>(parts);
  pool.run([&](int ith, int nth) {
    // Normally nth >= nparts and thread ith takes part ith; a nested call runs inline with
    // nth == 1 and takes all parts in turn.
    for (int part = ith; part < nparts; part += nth) {
      const auto range = ThreadPool::split(units, part, nparts);
      if (by_rows) {
        const int i0 = static_cast<int>(range.first) * kRowUnit;
        const int i1 = static_cast<int>(range.second) * kRowUnit < m
                           ? static_cast<int>(range.second) * kRowUnit
                           : m;
        if (i0 >= i1) continue;
        const float* a_i = trans_a ? a + i0 : a + static_cast<std::ptrdiff_t>(i0) * lda;
        gemm_serial(isa, trans_a, trans_b, i1 - i0, n, k, a_i, lda, b, ldb,
                    c + static_cast<std::ptrdiff_t>(i0) * ldc, ldc, accumulate);
      } else {
        const int j0 = static_cast<int>(range.first) * kColUnit;
        const int j1 = static_cast<int>(range.second) * kColUnit < n
                           ? static_cast<int>(range.second) * kColUnit
                           : n;
        if (j0 >= j1) continue;
        const float* b_j = trans_b ? b + static_cast<std::ptrdiff_t>(j0) * ldb : b + j0;
        gemm_serial(isa, trans_a, trans_b, m, j1 - j0, k, a, lda, b_j, ldb, c + j0, ldc,
                    accumulate);
      }
    }
  });
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float* c, int ldc, bool accumulate) {
  // A few rows (acting, small minibatches) and too little work for a second thread: straight to
  // the path's few-rows route, dispatched once here and reached by a jump (same arguments).
  // Nothing on the way calls a function (the path is read inline; the first product of the
  // program, before the path is known, takes gemm_threaded), so there is no stack frame to set
  // up and these products pay a handful of instructions between the caller and their tiles.
  if (m >= 1 && m <= gemm_detail::kFewRows && n >= 1 && k >= 0 &&
      static_cast<std::int64_t>(m) * n * k < 2 * gemm_detail::kMinWorkPerThread) {
    switch (isa_detail::active_isa_if_known()) {
#if defined(PHANTOM_X86_SIMD)
      case static_cast<int>(Isa::avx512):
        return avx512::small_gemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
      case static_cast<int>(Isa::avx2):
        return avx2::small_gemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
#endif
      case static_cast<int>(Isa::scalar):
        return gemm_portable(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
      default:
        break;
    }
  }
  gemm_threaded(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

}  // namespace nn::kernels
