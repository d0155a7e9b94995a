// The constants of our float exp / log / tanh / sigmoid / softplus, shared by every path.
//
// The scalar reference (elementwise_scalar.cpp) and the SIMD bodies (math_impl.hpp) read the
// same numbers from here, so they cannot drift apart. Namespace-scope constexpr variables have
// internal linkage: including this file from ISA-specific translation units is ODR-safe.
//
// The polynomial coefficients are the classic Cephes single-precision ones (S. L. Moshier,
// "Methods and Programs for Mathematical Functions"): minimax-style fits that were tuned for
// float arithmetic on exactly the reduced ranges used here.
#pragma once

#include <cstdint>
#include <limits>

namespace nn::kernels::math {

// --- exp ----------------------------------------------------------------------------------------
// exp(x) = 2^n * exp(r), n = round(x / ln2), |r| <= ln2 / 2.

/// 1 / ln 2.
constexpr float kLog2e = 1.44269504088896341f;
/// ln 2 split in two: kLn2Hi is ln 2 rounded to float, kLn2Lo the rest. With fma, n * kLn2Hi is
/// subtracted exactly (see exp in elementwise_scalar.cpp), kLn2Lo adds the missing 2^-29 part.
constexpr float kLn2Hi = 0.693147182464599609375f;
constexpr float kLn2Lo = -1.904654323148236e-09f;
/// 1.5 * 2^23: adding it to |v| < 2^22 leaves round-to-nearest-even(v) in the low mantissa bits.
constexpr float kRoundMagic = 12582912.0f;
constexpr uint32_t kRoundMagicBits = 0x4B400000u;
/// Inputs are clamped to [kExpLo, kExpHi] first: below kExpLo the result rounds to 0, above
/// kExpHi it overflows to +inf. Clamping keeps n in [-150, 129] so the scale factors stay valid.
constexpr float kExpLo = -104.0f;
constexpr float kExpHi = 89.0f;

/// exp(r) - 1 - r = r^2 * P(r) on |r| <= ln2 / 2 (Cephes expf). P(r) ~ 1/2 + r/6 + r^2/24 + ...
constexpr float kExpP0 = 1.9875691500e-4f;
constexpr float kExpP1 = 1.3981999507e-3f;
constexpr float kExpP2 = 8.3334519073e-3f;
constexpr float kExpP3 = 4.1665795894e-2f;
constexpr float kExpP4 = 1.6666665459e-1f;
constexpr float kExpP5 = 5.0000001201e-1f;

// --- log ----------------------------------------------------------------------------------------
// log(x) = k * ln2 + log(1 + f), x = 2^k * (1 + f), 1 + f in [sqrt(1/2), sqrt(2)).

/// Adding this to the bits of x moves the mantissa boundary from 1.0 to sqrt(1/2)
/// (0x3f3504f3 is sqrt(1/2) as float): afterwards the exponent field is k + 127.
constexpr uint32_t kSqrtHalfBits = 0x3f3504f3u;
constexpr uint32_t kLogBias = 0x3f800000u - kSqrtHalfBits;
/// ln 2 split for the k * ln2 term (Cephes: kLogLn2Hi has few bits so k * kLogLn2Hi is exact).
constexpr float kLogLn2Hi = 0.693359375f;
constexpr float kLogLn2Lo = -2.12194440e-4f;
/// log(1 + f) = f - f^2 / 2 + f^3 * P(f) (Cephes logf), P(f) ~ 1/3 - f/4 + f^2/5 - ...
constexpr float kLogP0 = 7.0376836292e-2f;
constexpr float kLogP1 = -1.1514610310e-1f;
constexpr float kLogP2 = 1.1676998740e-1f;
constexpr float kLogP3 = -1.2420140846e-1f;
constexpr float kLogP4 = 1.4249322787e-1f;
constexpr float kLogP5 = -1.6668057665e-1f;
constexpr float kLogP6 = 2.0000714765e-1f;
constexpr float kLogP7 = -2.4999993993e-1f;
constexpr float kLogP8 = 3.3333331174e-1f;
/// Smallest normal float; subnormal inputs are scaled by 2^23 first.
constexpr float kMinNormal = 1.17549435082228750797e-38f;
constexpr float kTwo23 = 8388608.0f;
/// sqrt(2) rounded down: log1p uses it to decide whether 1 + e is reduced by one halving.
constexpr float kSqrt2 = 1.41421353816986083984375f;

// --- tanh ---------------------------------------------------------------------------------------
/// tanh(x) = expm1(2x) / (expm1(2x) + 2), with x clamped to [-9.25, 9.25]: beyond, the true
/// tanh rounds to +-1, and so does the formula (expm1(2x) > 2^26 absorbs the + 2, or rounds to -1).
constexpr float kTanhClamp = 9.25f;
/// exp(r) - 1 - r = r^2 * Q(r) on |r| <= 0.3466, Q of degree 4 for tanh. Our own minimax fit
/// (Remez exchange in 40-digit arithmetic, absolute error of Q 6.2e-8, then rounded to float).
constexpr float kTanhP0 = 1.3941121637e-03f;
constexpr float kTanhP1 = 8.3631798116e-03f;
constexpr float kTanhP2 = 4.1666375160e-02f;
constexpr float kTanhP3 = 1.6666576979e-01f;
constexpr float kTanhP4 = 5.0000000269e-01f;

constexpr float kInfinity = std::numeric_limits<float>::infinity();

// --- bit patterns -------------------------------------------------------------------------------
constexpr uint32_t kSignBit = 0x80000000u;
constexpr uint32_t kAbsMask = 0x7fffffffu;
constexpr uint32_t kMantissaMask = 0x007fffffu;
constexpr uint32_t kPosInfBits = 0x7f800000u;
constexpr uint32_t kNegInfBits = 0xff800000u;
/// The quiet NaN returned for log of a negative number (same bits in every path).
constexpr uint32_t kQuietNanBits = 0x7fc00000u;

}  // namespace nn::kernels::math
