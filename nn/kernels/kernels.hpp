// The numeric kernels every tensor op is built from, with run-time SIMD dispatch.
//
// Each kernel has a plain scalar reference (nn/kernels/*_scalar.cpp) and AVX2+FMA and AVX-512
// versions (*_avx2.cpp, *_avx512.cpp) compiled for that ISA only. The functions declared here
// forward to the active path, chosen once at start-up from cpuid, or forced with the environment
// variable PHANTOM_SIMD=scalar|avx2|avx512 (tests use set_active_isa()).
//
// Determinism contract: every path computes each output element with the same sequence of IEEE
// operations, so all paths give bit-identical results:
//  * elementwise kernels apply the same formula per element (explicit FMA where written);
//  * our own exp/log/tanh are polynomial evaluations mirrored exactly in every path;
//  * reductions to a scalar use a fixed 16-lane striped order (element j goes to lane j % 16,
//    lanes are summed in increasing j, then combined by a fixed pairwise tree);
//  * gemm computes each C element as acc = (accumulate ? C : 0); acc = fma(a_ik, b_kj, acc) for
//    k = 0..K-1 in order, whatever the blocking, packing or thread split.
#pragma once

#include <cstdint>

namespace nn::kernels {

/// Instruction-set paths a kernel can run on.
enum class Isa : int { scalar = 0, avx2 = 1, avx512 = 2 };

const char* isa_name(Isa isa);
/// True when this CPU (and this build) can run `isa`.
bool cpu_supports(Isa isa);
/// The best path this CPU supports.
Isa best_isa();
/// The path kernels currently use: PHANTOM_SIMD if set, else best_isa().
Isa active_isa();
/// Forces a path (tests, benchmarks). Throws phantom::ConfigError if the CPU cannot run it.
void set_active_isa(Isa isa);
/// Parses "scalar", "avx2" or "avx512"; throws phantom::ConfigError otherwise.
Isa parse_isa(const char* name);

// ---------------------------------------------------------------------------------------------
// Matrix multiply
// ---------------------------------------------------------------------------------------------

/// C[m x n] = (accumulate ? C : 0) + op(A) * op(B), all row-major with leading dimensions.
/// op(A) is m x k: A itself (m x k, lda >= k) or, if trans_a, the transpose of A (k x m, lda >= m).
/// op(B) is k x n: B itself (k x n, ldb >= n) or, if trans_b, the transpose of B (n x k, ldb >= k).
/// Large products are split over the default thread pool by output tiles (results do not depend
/// on the thread count). Does not allocate in steady state (packing buffers are reused).
void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float* c, int ldc, bool accumulate);

/// The readable reference: a triple loop with the same per-element operation order as gemm.
void gemm_reference(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                    const float* b, int ldb, float* c, int ldc, bool accumulate);

// ---------------------------------------------------------------------------------------------
// Dense layer: product, bias and activation in one pass
// ---------------------------------------------------------------------------------------------

/// The activations a dense layer can apply to its outputs (nn::Activation is this type).
enum class Activation : int { none = 0, tanh = 1, relu = 2 };

/// y[rows x out] = act(b + x[rows x in] * w[in x out]), all row-major and contiguous; b (out
/// values, one per column) may be null for no bias. Each output is the gemm FMA chain over `in`
/// started from its bias (or +0), then the activation kernel's formula (tanh, or
/// x > 0 ? x : 0 for relu): exactly the values of a bias copy, a gemm with accumulate, then
/// kernels::tanh / relu. The rows are computed in bands small enough to stay in L1, and each
/// band gets its activation straight after its product, while it is still there. Large layers
/// are split over the default thread pool by bands (results do not depend on the split). y must
/// not overlap x, w or b.
void dense(int rows, int in, int out, const float* x, const float* w, const float* b,
           Activation act, float* y);

/// The readable reference of dense: per output, the FMA chain from the bias, then the scalar
/// reference activation.
void dense_reference(int rows, int in, int out, const float* x, const float* w, const float* b,
                     Activation act, float* y);

/// The backward fold of a dense layer's activation, y = act(z) [rows x cols]: the gradient at z,
/// dz = dy * (1 - y * y) + 0 (tanh) or (y > 0 ? dy : 0) + 0 (relu; y > 0 exactly where z > 0),
/// which is what tanh_backward / relu_backward add into a zeroed buffer (the + 0 turns a -0 into
/// +0, as that addition does). When db is not null, db[c] += dz[r][c] for r in increasing order
/// (col_sum_acc's order), in the same pass. dz may alias dy. act must be tanh or relu (with none
/// there is nothing to fold: dz is dy).
void dense_fold(const float* dy, const float* y, int64_t rows, int64_t cols, Activation act,
                float* dz, float* db);

// ---------------------------------------------------------------------------------------------
// Elementwise maps (out may alias an input). n is the element count.
// ---------------------------------------------------------------------------------------------
void add(const float* a, const float* b, float* out, int64_t n);        // out = a + b
void sub(const float* a, const float* b, float* out, int64_t n);        // out = a - b
void mul(const float* a, const float* b, float* out, int64_t n);        // out = a * b
void div(const float* a, const float* b, float* out, int64_t n);        // out = a / b
void add_scalar(const float* a, float s, float* out, int64_t n);        // out = a + s
void mul_scalar(const float* a, float s, float* out, int64_t n);        // out = a * s
void minimum(const float* a, const float* b, float* out, int64_t n);    // out = b < a ? b : a
void maximum(const float* a, const float* b, float* out, int64_t n);    // out = b > a ? b : a
void clamp(const float* x, float lo, float hi, float* out, int64_t n);  // min(max(x, lo), hi)
void square(const float* x, float* out, int64_t n);                     // x * x
void sqrt(const float* x, float* out, int64_t n);                       // IEEE sqrt
void relu(const float* x, float* out, int64_t n);                       // x > 0 ? x : 0
void exp(const float* x, float* out, int64_t n);                        // our exp, <= 2 ulp
void log(const float* x, float* out, int64_t n);                        // our log, <= 2 ulp
void tanh(const float* x, float* out, int64_t n);                       // our tanh
void sigmoid(const float* x, float* out, int64_t n);                    // 1 / (1 + exp(-x))
void softplus(const float* x, float* out, int64_t n);  // log(1 + exp(x)), stable for any x

// ---------------------------------------------------------------------------------------------
// Accumulating forms used by backward passes: out += ...
// ---------------------------------------------------------------------------------------------
void acc(const float* x, float* out, int64_t n);                            // out += x
void acc_scaled(const float* x, float s, float* out, int64_t n);            // out = fma(x, s, out)
void acc_mul(const float* x, const float* y, float* out, int64_t n);        // out = fma(x, y, out)
void acc_div(const float* x, const float* y, float* out, int64_t n);        // out += x / y
void tanh_backward(const float* dy, const float* y, float* dx, int64_t n);  // dx += dy*(1-y*y)
void sigmoid_backward(const float* dy, const float* y, float* dx, int64_t n);  // dx += dy*y*(1-y)
void relu_backward(const float* dy, const float* x, float* dx, int64_t n);     // dx += x>0 ? dy : 0

// ---------------------------------------------------------------------------------------------
// Reductions (fixed 16-lane order, see above)
// ---------------------------------------------------------------------------------------------
float sum(const float* x, int64_t n);          // 0 for n == 0
float sum_squares(const float* x, int64_t n);  // lane acc = fma(x, x, acc)
float max(const float* x, int64_t n);          // -inf for n == 0
/// out[c] += sum over r of x[r * cols + c], rows added in increasing r.
void col_sum_acc(const float* x, int64_t rows, int64_t cols, float* out);

/// Row-wise softmax and log-softmax of a rows x cols matrix (max-subtracted, our exp/log).
void softmax_rows(const float* x, int64_t rows, int64_t cols, float* out);
void log_softmax_rows(const float* x, int64_t rows, int64_t cols, float* out);
/// The backward pass of log_softmax_rows, y its output and g the gradient at y:
/// dx[r][c] = fma(exp(y[r][c]), -t_r, dx[r][c] + g[r][c]) with t_r = sum(g row r) (sum's order):
/// exactly acc(g, dx) then acc_scaled(exp(y), -t_r, dx) row by row, in one call for the whole
/// matrix (a policy head's rows are a few columns long, and four calls per row cost more than
/// the arithmetic).
void log_softmax_backward_rows(const float* g, const float* y, int64_t rows, int64_t cols,
                               float* dx);

// ---------------------------------------------------------------------------------------------
// Optimiser updates (one fused pass over a parameter tensor)
// ---------------------------------------------------------------------------------------------
/// Adam with bias correction folded into the step: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g;
/// p -= (s * m) / (sqrt(v) * r + eps) with s = lr / c1 and r = 1 / sqrt(c2), where c1 = 1 - b1^t
/// and c2 = 1 - b2^t. Equal to lr * (m / c1) / (sqrt(v / c2) + eps) in exact arithmetic, with one
/// divide and one square root per element instead of three divides.
void adam_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1,
                 float b2, float eps, float c1, float c2);

}  // namespace nn::kernels
