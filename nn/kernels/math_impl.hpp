// Our exp / log / tanh / sigmoid / softplus on 16-lane vectors, written once for every SIMD path.
//
// Not a standalone header: elementwise_avx2.cpp and elementwise_avx512.cpp include it inside
// their own `namespace nn::kernels::<isa> { namespace {`, after their vocabulary header
// (simd_avx2.hpp / simd_avx512.hpp), so each gets a private copy compiled for its ISA.
//
// Each function performs, lane by lane, exactly the IEEE operations of its scalar twin in
// elementwise_scalar.cpp (exp1, log1, tanh1, ...), in the same order; that file explains the
// algorithms. The only liberty taken here is skipping work whose result would be discarded
// (e.g. the subnormal fix-up of log when no lane is subnormal): the output is the same.
// Constants come from math_constants.hpp, shared with the scalar code.

using namespace nn::kernels::math;

inline Vec from_bits_u(uint32_t b) {
  return from_bits(set1_i(static_cast<int32_t>(b)));
}
inline Vec neg_abs_of(Vec x) {
  return from_bits(or_i(to_bits(x), set1_i(static_cast<int32_t>(kSignBit))));
}
/// exp(r) - 1 = r + r^2 * P(r) for |r| <= ln2 / 2 (scalar: expm1_reduced).
inline Vec vexpm1_reduced(Vec r) {
  Vec r2 = mul(r, r);
  Vec p01 = fma(set1(kExpP0), r, set1(kExpP1));
  Vec p23 = fma(set1(kExpP2), r, set1(kExpP3));
  Vec p45 = fma(set1(kExpP4), r, set1(kExpP5));
  Vec p = fma(fma(p01, r2, p23), r2, p45);
  return fma(p, r2, r);
}

/// x = n * ln2 + r; returns r and sets *n (scalar: reduce_ln2, which keeps n in the bits of t).
inline Vec vreduce_ln2(Vec x, Vec* n) {
  Vec t = fma(x, set1(kLog2e), set1(kRoundMagic));
  *n = sub(t, set1(kRoundMagic));
  Vec r = fma(*n, set1(-kLn2Hi), x);
  return fma(*n, set1(-kLn2Lo), r);
}

/// exp (scalar: exp1).
inline Vec vexp(Vec x) {
  // `x < lo ? lo : x` is max_of(lo, x) and `x > hi ? hi : x` is min_of(hi, x), NaN kept.
  x = max_of(set1(kExpLo), x);
  x = min_of(set1(kExpHi), x);
  Vec n;
  Vec r = vreduce_ln2(x, &n);
  Vec y = add(set1(1.0f), vexpm1_reduced(r));
  return ldexp_of(y, n);  // y * 2^n rounded once, like the scalar two-step scaling
}

/// log(2^k (1 + f)) for reduced f (scalar: log_reduced).
inline Vec vlog_reduced(Vec f, Vec k) {
  Vec z = mul(f, f);
  Vec q3 = fma(set1(kLogP1), f, set1(kLogP2));
  Vec q2 = fma(set1(kLogP3), f, set1(kLogP4));
  Vec q1 = fma(set1(kLogP5), f, set1(kLogP6));
  Vec q0 = fma(set1(kLogP7), f, set1(kLogP8));
  Vec p = fma(fma(fma(fma(set1(kLogP0), z, q3), z, q2), z, q1), z, q0);
  Vec y = mul(mul(p, f), z);
  y = fma(k, set1(kLogLn2Lo), y);
  y = fma(z, set1(-0.5f), y);
  Vec r = add(f, y);
  return fma(k, set1(kLogLn2Hi), r);
}

/// log (scalar: log1).
inline Vec vlog(Vec x) {
  // Common case first: every lane a positive, normal, finite number. Otherwise also scale
  // subnormals up by 2^23 (exponent bias -150 instead of -127) and fix special lanes at the end.
  const Mask normal = mask_and(ge(x, set1(kMinNormal)), lt(x, set1(kInfinity)));
  const bool all_normal = all(normal);
  Vec xs = x;
  IVec k_bias = set1_i(-127);
  if (!all_normal) {
    Mask subnormal = lt(x, set1(kMinNormal));
    xs = select(subnormal, mul(x, set1(kTwo23)), x);
    k_bias = select_i(subnormal, set1_i(-127 - 23), k_bias);
  }
  IVec bits = add_i(to_bits(xs), set1_i(static_cast<int32_t>(kLogBias)));
  IVec k = add_i(shr_logical_i<23>(bits), k_bias);
  Vec m = from_bits(
      add_i(and_i(bits, set1_i(kMantissaMask)), set1_i(static_cast<int32_t>(kSqrtHalfBits))));
  Vec r = vlog_reduced(sub(m, set1(1.0f)), to_float(k));
  if (all_normal) return r;

  // Special lanes: +-0 -> -inf, negative -> NaN, +inf and NaN -> x itself.
  Mask finite_positive = mask_and(gt(x, set1(0.0f)), lt(x, set1(kInfinity)));
  Vec special = select(lt(x, set1(0.0f)), from_bits_u(kQuietNanBits), x);
  special = select(eq(x, set1(0.0f)), from_bits_u(kNegInfBits), special);
  return select(finite_positive, r, special);
}

/// log(1 + e) for e in [0, 1] (scalar: log1p_unit).
inline Vec vlog1p_unit(Vec e) {
  Vec one = set1(1.0f);
  Vec u = add(one, e);
  Vec c = sub(e, sub(u, one));
  Mask halve = ge(u, set1(kSqrt2));
  Vec scale = select(halve, set1(0.5f), one);
  Vec k = select(halve, one, set1(0.0f));
  Vec f = sub(mul(u, scale), one);
  f = fma(c, scale, f);
  return vlog_reduced(f, k);
}

/// tanh (scalar: tanh1).
inline Vec vtanh(Vec x) {
  x = max_of(set1(-kTanhClamp), x);  // clamp to [-9.25, 9.25], NaN kept
  x = min_of(set1(kTanhClamp), x);
  Vec t = fma(x, set1(2.0f * kLog2e), set1(kRoundMagic));
  Vec n = sub(t, set1(kRoundMagic));
  Vec r = fma(n, set1(-kLn2Hi), add(x, x));
  Vec r2 = mul(r, r);
  Vec p = fma(fma(set1(kTanhP0), r2, fma(set1(kTanhP1), r, set1(kTanhP2))), r2,
              fma(set1(kTanhP3), r, set1(kTanhP4)));
  p = fma(p, r2, r);
  Vec s = pow2_of(n);
  Vec e = fma(s, p, sub(s, set1(1.0f)));
  return div(e, add(e, set1(2.0f)));
}

/// sigmoid (scalar: sigmoid1).
inline Vec vsigmoid(Vec x) {
  Vec e = vexp(neg_abs_of(x));
  Vec num = select(lt(x, set1(0.0f)), e, set1(1.0f));
  return div(num, add(set1(1.0f), e));
}

/// softplus (scalar: softplus1).
inline Vec vsoftplus(Vec x) {
  Vec e = vexp(neg_abs_of(x));
  Vec pos = max_of(x, set1(0.0f));  // `x > 0 ? x : 0`
  return add(pos, vlog1p_unit(e));
}
