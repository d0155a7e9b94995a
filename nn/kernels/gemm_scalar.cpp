// gemm_reference: the readable matrix multiply every fast gemm path is tested against.
#include <cmath>

#include "nn/kernels/kernels.hpp"

namespace nn::kernels {

// C (m x n) = [C +] op(A) (m x k) * op(B) (k x n). Each output is one FMA chain over k in order;
// the fast paths keep exactly this order, which is what makes them bit-identical to this loop.
void gemm_reference(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                    const float* b, int ldb, float* c, int ldc, bool accumulate) {
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float acc = accumulate ? c[i * ldc + j] : 0.0f;
      for (int p = 0; p < k; ++p) {
        float a_ip = trans_a ? a[p * lda + i] : a[i * lda + p];
        float b_pj = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        acc = std::fma(a_ip, b_pj, acc);
      }
      c[i * ldc + j] = acc;
    }
  }
}

}  // namespace nn::kernels
