// The AVX-512 path of gemm: gemm_impl.hpp stamped out over the AVX-512 vocabulary
// (32 zmm registers of 16 floats).
//
// Compiled with -mavx512f/bw/dq/vl -mfma (CMake does that for every *_avx512.cpp) and only called
// after cpuid said the CPU can run it. The body sits in an anonymous namespace inside
// nn::kernels::avx512, so none of its AVX-512 instructions can leak into another path at link time;
// only the entry points below are visible outside.
#include <cstddef>
#include <cstdint>

#include "nn/kernels/gemm_internal.hpp"
#include "nn/kernels/math_constants.hpp"
#include "nn/kernels/simd_avx512.hpp"

namespace nn::kernels::avx512 {
namespace {
// Order matters: dense_row in the gemm body applies the vector math (vtanh).
#include "nn/kernels/math_impl.hpp"

#include "nn/kernels/gemm_impl.hpp"
}  // namespace

void gemm_serial(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                 const float* b, int ldb, float* c, int ldc, bool accumulate) {
  gemm_body(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

void small_gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                const float* b, int ldb, float* c, int ldc, bool accumulate) {
  small_gemm_body(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

void dense_row(int n, int k, const float* x, const float* w, const float* b, Activation act,
               float* y) {
  dense_row_impl(n, k, x, w, b, act, y);
}

}  // namespace nn::kernels::avx512
