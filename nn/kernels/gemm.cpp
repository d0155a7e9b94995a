// TEMPORARY: public gemm forwards to the reference until the packed SIMD paths land.
#include "nn/kernels/kernels.hpp"

namespace nn::kernels {

void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float* c, int ldc, bool accumulate) {
  gemm_reference(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

}  // namespace nn::kernels
