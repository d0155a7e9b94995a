// The scalar reference of every elementwise, math, reduction, softmax and Adam kernel.
//
// Plain loops, one element at a time: this is the definition the SIMD paths
// (elementwise_avx2.cpp, elementwise_avx512.cpp) must reproduce bit for bit, and the version to
// read first. Three rules make bit-identical SIMD possible:
//  * every element goes through the same IEEE operations in the same order (std::fma exactly
//    where the SIMD code uses an fma, never an implicit contraction: we build with
//    -ffp-contract=off);
//  * reductions to one number use a fixed 16-lane order (element j goes to lane j % 16), then a
//    fixed pairwise tree, which is what a 16-wide vector register does naturally;
//  * exp / log / tanh are our own polynomial approximations below, not the C library's (whose
//    results differ between libm versions and which cost 50+ cycles per call).
#include <cmath>
#include <cstring>
#include <limits>

#include "nn/kernels/elementwise_paths.hpp"
#include "nn/kernels/math_constants.hpp"

namespace nn::kernels::scalar {

namespace {

using namespace nn::kernels::math;

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
uint32_t to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
/// 2^e for an exponent e in [-126, 127], built directly from the float bit layout.
float pow2(int32_t e) {
  return from_bits(static_cast<uint32_t>(e + 127) << 23);
}

// ---------------------------------------------------------------------------------------------
// exp
// ---------------------------------------------------------------------------------------------

/// exp(r) - 1 for |r| <= ln2 / 2 (a bit more is fine): r + r^2 * P(r).
/// P is evaluated as a polynomial in r^2 whose coefficients are linear in r,
/// (P0 r + P1) r^4 + (P2 r + P3) r^2 + (P4 r + P5): the same number of operations as Horner's
/// rule, but the three linear pieces are independent, which shortens the dependency chain
/// (SIMD throughput is limited by how many chains are in flight).
float expm1_reduced(float r) {
  float r2 = r * r;
  float p01 = std::fma(kExpP0, r, kExpP1);
  float p23 = std::fma(kExpP2, r, kExpP3);
  float p45 = std::fma(kExpP4, r, kExpP5);
  float p = std::fma(std::fma(p01, r2, p23), r2, p45);
  return std::fma(p, r2, r);
}

/// Splits x = n * ln2 + r with n = round(x / ln2) and |r| <= ln2 / 2 (|x| < 2^21).
/// Returns r; `t` receives 1.5 * 2^23 + n, whose low mantissa bits hold n as an integer.
float reduce_ln2(float x, float* t) {
  // fma rounds x * log2(e) + 1.5 * 2^23 once; the float spacing there is 1, so the sum is
  // 1.5 * 2^23 + round-to-nearest-even(x / ln2): n without any float-to-int conversion.
  *t = std::fma(x, kLog2e, kRoundMagic);
  float n = *t - kRoundMagic;  // exact
  // x - n * kLn2Hi is exact: the fma does not round the product, and the difference is a
  // multiple of 2^-25 below 1/2 in magnitude, which fits in 24 bits. The low part of ln2 then
  // adds the remaining 2^-29 relative correction with one rounding.
  float r = std::fma(n, -kLn2Hi, x);
  return std::fma(n, -kLn2Lo, r);
}

/// Our exp: max error about 1 ulp over the whole float range, subnormal results included.
float exp1(float x) {
  // Clamp first (NaN passes through: comparisons with NaN are false). Below -104 the result
  // rounds to +0, above 89 it overflows to +inf; either way n stays in [-150, 129].
  x = x < kExpLo ? kExpLo : x;
  x = x > kExpHi ? kExpHi : x;
  float t;
  float r = reduce_ln2(x, &t);
  float y = 1.0f + expm1_reduced(r);  // exp(r), in [0.7, 1.42]
  // 2^n does not fit one float exponent for every n in [-150, 129], so scale in two steps,
  // 2^n1 * 2^n2 with n1 = floor(n / 2): the first product is exact, the second rounds once
  // (into the subnormal range, or to +inf, exactly as a correctly rounded y * 2^n would).
  int32_t n = static_cast<int32_t>(to_bits(t) - kRoundMagicBits);
  int32_t n1 = n >> 1;  // arithmetic shift: floor(n / 2)
  int32_t n2 = n - n1;
  return (y * pow2(n1)) * pow2(n2);
}

// ---------------------------------------------------------------------------------------------
// log
// ---------------------------------------------------------------------------------------------

/// log(2^k * (1 + f)) for f in [sqrt(1/2) - 1, sqrt(2) - 1], k a small integer (as float).
/// log(1 + f) = f - f^2/2 + f^3 * P(f); the terms are added smallest first, f last, and k * ln2
/// in two parts, so the rounding errors stay below about one ulp.
float log_reduced(float f, float k) {
  // P(f) as a polynomial in z = f^2 with coefficients linear in f (see expm1_reduced):
  // P = P0 z^4 + (P1 f + P2) z^3 + (P3 f + P4) z^2 + (P5 f + P6) z + (P7 f + P8).
  float z = f * f;
  float q3 = std::fma(kLogP1, f, kLogP2);
  float q2 = std::fma(kLogP3, f, kLogP4);
  float q1 = std::fma(kLogP5, f, kLogP6);
  float q0 = std::fma(kLogP7, f, kLogP8);
  float p = std::fma(std::fma(std::fma(std::fma(kLogP0, z, q3), z, q2), z, q1), z, q0);
  float y = (p * f) * z;             // f^3 * P(f)
  y = std::fma(k, kLogLn2Lo, y);     // + k * ln2 (low part)
  y = std::fma(z, -0.5f, y);         // - f^2 / 2
  float r = f + y;                   // + f
  return std::fma(k, kLogLn2Hi, r);  // + k * ln2 (high part)
}

/// Our log: max error about 1 ulp; log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf.
float log1(float x) {
  // Subnormal inputs have no implicit leading 1; scale them into the normal range first.
  bool subnormal = x < kMinNormal;
  float xs = subnormal ? x * kTwo23 : x;
  int32_t k_adjust = subnormal ? -23 : 0;
  // Write x = 2^k * m with m in [sqrt(1/2), sqrt(2)) straight from the bits: adding kLogBias
  // carries into the exponent exactly when the mantissa is >= sqrt(1/2), so (bits >> 23) - 127
  // is k, and the low 23 bits re-based on sqrt(1/2)'s bits give m.
  uint32_t bits = to_bits(xs) + kLogBias;
  int32_t k = static_cast<int32_t>(bits >> 23) - 127 + k_adjust;
  float m = from_bits((bits & kMantissaMask) + kSqrtHalfBits);
  float r = log_reduced(m - 1.0f, static_cast<float>(k));  // m - 1 is exact (Sterbenz)

  if (x > 0.0f && x < std::numeric_limits<float>::infinity()) return r;
  if (x == 0.0f) return from_bits(kNegInfBits);
  if (x < 0.0f) return from_bits(kQuietNanBits);
  return x;  // +inf or NaN
}

/// log(1 + e) for e in [0, 1] (softplus needs only that range), accurate also for tiny e.
float log1p_unit(float e) {
  // 1 + e rounds; c recovers the lost low bits exactly (Fast2Sum, since 1 >= e).
  float u = 1.0f + e;
  float c = e - (u - 1.0f);
  // Reduce u in [1, 2] to m = u * scale in [sqrt(1/2), sqrt(2)) and fold c back into f, so that
  // f = m - 1 carries the full information of e.
  bool halve = u >= kSqrt2;
  float scale = halve ? 0.5f : 1.0f;
  float k = halve ? 1.0f : 0.0f;
  float f = u * scale - 1.0f;  // exact
  f = std::fma(c, scale, f);
  return log_reduced(f, k);
}

// ---------------------------------------------------------------------------------------------
// tanh, sigmoid, softplus
// ---------------------------------------------------------------------------------------------

/// Our tanh: tanh(x) = expm1(2x) / (expm1(2x) + 2). expm1 is accurate near 0, so no separate
/// small-x branch is needed, and the formula holds for either sign (at x -> -inf it tends to
/// -1 / 1). x is clamped to [-9.25, 9.25] first: beyond, tanh rounds to +-1, and the formula
/// gives exactly +-1 there (expm1(2x) > 2^26 absorbs the + 2; or expm1(2x) rounds to -1).
/// Working on x itself rather than |x| saves the sign juggling; the price is that tanh(-0) is
/// +0.
///
/// tanh is the activation of our MLPs, so it is trimmed for speed where accuracy allows:
///  * the range reduction uses ln2 in one part: the error, n * 1.9e-9 with |n| <= 27, changes
///    exp(r) by < 1 ulp, and d tanh / tanh = d e / e * 2 / (e + 2) shrinks it as n grows;
///  * exp(r) - 1 = r + r^2 * Q(r) with Q of degree 4 (kTanhP*, our own minimax fit, relative
///    error of expm1 < 0.43 ulp) instead of exp's degree 5.
/// Measured max error: 2.5 ulp (both changes together cost less than 0.01 ulp).
float tanh1(float x) {
  x = x < -kTanhClamp ? -kTanhClamp : x;  // NaN passes through
  x = x > kTanhClamp ? kTanhClamp : x;
  // u = 2x = n * ln2 + r. fma(x, 2 log2(e), magic) is exactly fma(u, log2(e), magic), since
  // doubling is exact; it just does not wait for u.
  float t = std::fma(x, 2.0f * kLog2e, kRoundMagic);
  float n = t - kRoundMagic;
  float r = std::fma(n, -kLn2Hi, x + x);
  // p = exp(r) - 1, Q evaluated in pairs like expm1_reduced.
  float r2 = r * r;
  float q = std::fma(std::fma(kTanhP0, r2, std::fma(kTanhP1, r, kTanhP2)), r2,
                     std::fma(kTanhP3, r, kTanhP4));
  float p = std::fma(q, r2, r);
  float s = pow2(static_cast<int32_t>(to_bits(t) - kRoundMagicBits));  // 2^n, n in [-27, 27]
  // exp(u) - 1 = 2^n * (1 + p) - 1 = 2^n * p + (2^n - 1): one rounding, no cancellation.
  float e = std::fma(s, p, s - 1.0f);
  return e / (e + 2.0f);
}

/// sigmoid(x) = 1 / (1 + exp(-x)), computed from e = exp(-|x|) <= 1 so it never overflows:
/// sigmoid(|x|) = 1 / (1 + e) and sigmoid(-|x|) = e / (1 + e).
float sigmoid1(float x) {
  float e = exp1(from_bits(to_bits(x) | kSignBit));  // exp(-|x|)
  float num = x < 0.0f ? e : 1.0f;
  return num / (1.0f + e);
}

/// softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): stable for any x, and accurate
/// for very negative x, where the result is about exp(x).
float softplus1(float x) {
  float e = exp1(from_bits(to_bits(x) | kSignBit));  // exp(-|x|), in [0, 1]
  float pos = x > 0.0f ? x : 0.0f;
  return pos + log1p_unit(e);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Elementwise maps
// ---------------------------------------------------------------------------------------------

void add(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}
void sub(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
}
void mul(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}
void div(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] / b[i];
}
// The exact comparison forms matter for NaN and for +0 vs -0: they are the ones x86 min/max
// instructions implement, so the SIMD paths agree bit for bit.
void minimum(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = b[i] < a[i] ? b[i] : a[i];
}
void maximum(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = b[i] > a[i] ? b[i] : a[i];
}
void add_scalar(const float* a, float s, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + s;
}
void mul_scalar(const float* a, float s, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * s;
}
void clamp(const float* x, float lo, float hi, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] < lo ? lo : x[i];  // NaN stays NaN
    out[i] = v > hi ? hi : v;
  }
}
void square(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * x[i];
}
void sqrt(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::sqrt(x[i]);  // IEEE: correctly rounded
}
void relu(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
void exp(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = exp1(x[i]);
}
void log(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = log1(x[i]);
}
void tanh(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = tanh1(x[i]);
}
void sigmoid(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = sigmoid1(x[i]);
}
void softplus(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = softplus1(x[i]);
}

// ---------------------------------------------------------------------------------------------
// Accumulating forms (backward passes)
// ---------------------------------------------------------------------------------------------

void acc(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = out[i] + x[i];
}
void acc_scaled(const float* x, float s, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(x[i], s, out[i]);
}
void acc_mul(const float* x, const float* y, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(x[i], y[i], out[i]);
}
void acc_div(const float* x, const float* y, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = out[i] + x[i] / y[i];
}
void tanh_backward(const float* dy, const float* y, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dx[i] + dy[i] * (1.0f - y[i] * y[i]);
}
void sigmoid_backward(const float* dy, const float* y, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dx[i] + dy[i] * (y[i] * (1.0f - y[i]));
}
void relu_backward(const float* dy, const float* x, float* dx, int64_t n) {
  // Adds +0 where x <= 0 (not "skip"), exactly like the SIMD select-then-add.
  for (int64_t i = 0; i < n; ++i) dx[i] = dx[i] + (x[i] > 0.0f ? dy[i] : 0.0f);
}

// The fold adds +0 to each term, as tanh_backward / relu_backward add it to a zeroed dx.
void dense_fold(const float* dy, const float* y, int64_t rows, int64_t cols, Activation act,
                float* dz, float* db) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t i = r * cols + c;
      float term = 0.0f;
      if (act == Activation::tanh) term = dy[i] * (1.0f - y[i] * y[i]);
      if (act == Activation::relu) term = y[i] > 0.0f ? dy[i] : 0.0f;
      dz[i] = term + 0.0f;
      if (db != nullptr) db[c] = db[c] + dz[i];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reductions: 16 lanes, element j into lane j % 16, then a pairwise tree
// (lane l += lane l + 8, then l + 4, l + 2, l + 1). A 16-wide register does exactly this.
// ---------------------------------------------------------------------------------------------

namespace {
constexpr int kLanes = 16;

float tree_sum(float* lanes) {
  for (int w = kLanes / 2; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) lanes[l] = lanes[l] + lanes[l + w];
  return lanes[0];
}
}  // namespace

float sum(const float* x, int64_t n) {
  float lanes[kLanes] = {};
  for (int64_t i = 0; i < n; ++i) lanes[i % kLanes] = lanes[i % kLanes] + x[i];
  return tree_sum(lanes);
}

float sum_squares(const float* x, int64_t n) {
  float lanes[kLanes] = {};
  for (int64_t i = 0; i < n; ++i) lanes[i % kLanes] = std::fma(x[i], x[i], lanes[i % kLanes]);
  return tree_sum(lanes);
}

/// NaNs are ignored (a comparison with NaN is false); -inf for n == 0.
float max(const float* x, int64_t n) {
  float lanes[kLanes];
  for (float& l : lanes) l = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    float& l = lanes[i % kLanes];
    l = x[i] > l ? x[i] : l;
  }
  for (int w = kLanes / 2; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) lanes[l] = lanes[l + w] > lanes[l] ? lanes[l + w] : lanes[l];
  return lanes[0];
}

void col_sum_acc(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[c] = out[c] + x[r * cols + c];
}

// ---------------------------------------------------------------------------------------------
// Softmax rows: m = max(row); e = exp(x - m); softmax = e / sum(e) and
// log_softmax = (x - m) - log(sum(e)), with max and sum in the 16-lane order above.
// If a row holds +inf (or only -inf), x - m is NaN and so is the row.
// ---------------------------------------------------------------------------------------------

void softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float m = max(xr, cols);
    for (int64_t c = 0; c < cols; ++c) o[c] = exp1(xr[c] - m);
    float s = sum(o, cols);
    for (int64_t c = 0; c < cols; ++c) o[c] = o[c] / s;
  }
}

void log_softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float m = max(xr, cols);
    float lanes[kLanes] = {};
    for (int64_t c = 0; c < cols; ++c) lanes[c % kLanes] = lanes[c % kLanes] + exp1(xr[c] - m);
    float log_s = log1(tree_sum(lanes));
    for (int64_t c = 0; c < cols; ++c) o[c] = (xr[c] - m) - log_s;
  }
}

void log_softmax_backward_rows(const float* g, const float* y, int64_t rows, int64_t cols,
                               float* dx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gr = g + r * cols;
    const float* yr = y + r * cols;
    float* d = dx + r * cols;
    const float total = sum(gr, cols);
    for (int64_t c = 0; c < cols; ++c) d[c] = std::fma(exp1(yr[c]), -total, d[c] + gr[c]);
  }
}

// ---------------------------------------------------------------------------------------------
// Adam, exactly the documented formula, no fma (so every path rounds the same way). The bias
// corrections are folded into two per-call constants, leaving one divide and one square root per
// element (the divider is what limits this kernel).
// ---------------------------------------------------------------------------------------------

void adam_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1,
                 float b2, float eps, float c1, float c2) {
  const float one_minus_b1 = 1.0f - b1;
  const float one_minus_b2 = 1.0f - b2;
  const float step_size = lr / c1;                 // lr / (1 - b1^t)
  const float inv_sqrt_c2 = 1.0f / std::sqrt(c2);  // 1 / sqrt(1 - b2^t)
  for (int64_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + one_minus_b1 * g[i];
    v[i] = b2 * v[i] + one_minus_b2 * (g[i] * g[i]);
    p[i] = p[i] - (step_size * m[i]) / (std::sqrt(v[i]) * inv_sqrt_c2 + eps);
  }
}

const ElementwiseTable kElementwiseTable = PHANTOM_ELEMENTWISE_TABLE;

}  // namespace nn::kernels::scalar
