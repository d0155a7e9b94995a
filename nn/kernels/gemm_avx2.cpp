// The AVX2 + FMA path of gemm: gemm_impl.hpp stamped out over the AVX2 + FMA vocabulary
// (16 ymm registers of 8 floats).
//
// Compiled with -mavx2 -mfma (CMake does that for every *_avx2.cpp) and only called after cpuid
// said the CPU can run it. The body sits in an anonymous namespace inside nn::kernels::avx2, so
// none of its AVX2 + FMA instructions can leak into another path at link time; only the entry
// points below are visible outside.
#include <cstddef>
#include <cstdint>

#include "nn/kernels/gemm_internal.hpp"
#include "nn/kernels/math_constants.hpp"
#include "nn/kernels/simd_avx2.hpp"

namespace nn::kernels::avx2 {
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

}  // namespace nn::kernels::avx2
