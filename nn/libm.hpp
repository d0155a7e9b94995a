// nn::libm: our own double-precision exp, log, log1p, pow, sin and cos, for results that are
// bit-identical on every build.
//
// The C library's functions are not the same everywhere: glibc, musl and macOS return different
// last bits for the same argument, glibc's own results have changed between versions, and a
// compiler may fold a call with constant arguments at build time with another algorithm. A seeded
// run that calls std::log in Box-Muller (nn::Rng::normal) or std::cos in CartPole's physics can
// therefore drift from one machine to another. These functions use only +, -, *, / (IEEE-754,
// correctly rounded), comparisons, and exact scaling by powers of two (std::frexp / std::ldexp),
// in a fixed order, so they give the same bits wherever doubles are IEEE-754 and the code is built
// without contraction into FMA (the library builds with -ffp-contract=off; they live in
// libm.cpp so that the library's flags apply, never a caller's).
//
// Accuracy, as measured against the C library in long double over 2 million random arguments
// each (tests/nn/libm_test.cpp asserts these bounds on a sweep of its own):
//   exp                 within 1 ulp of the exact result (measured maximum 0.95 ulp);
//   log                 within 1 ulp (measured 0.76);
//   log1p               within 1.25 ulp (measured 1.13: the final correction adds a rounding);
//   sin, cos            within 1.5 ulp for |x| <= 100 (measured 1.46). The reduction by pi/2
//                       in four parts is exact enough up to |x| = 2^20 * pi/2; beyond that the
//                       results lose accuracy (still deterministic; nothing in the library passes
//                       such angles);
//   pow(x, y)           exp(y * log(x)): the errors of log and of the product are multiplied by
//                       |y * log(x)|, so within (1 + 2 |y log x|) ulp; used only for schedules
//                       and epsilons.
// They are a few times slower than glibc's (no table lookups); the library calls them per
// random normal, per env step or per schedule value, never in a kernel loop.
#pragma once

namespace nn::libm {

/// e^x. Overflow gives +inf (x > 709.78), underflow 0 or a subnormal; exp(NaN) is NaN.
double exp(double x);
/// The natural logarithm. log(0) = -inf, log(x < 0) and log(NaN) are NaN, log(inf) = inf.
double log(double x);
/// log(1 + x), accurate for small x. log1p(-1) = -inf, x < -1 gives NaN.
double log1p(double x);
/// x^y for x > 0 (exp(y log x)); pow(x, 0) = 1 and pow(x, 1) = x exactly for every x;
/// pow(0, y) is 0 for y > 0 and +inf for y < 0; a negative x gives NaN.
double pow(double x, double y);
/// Sine and cosine of x in radians (see the accuracy note above); NaN or infinite x gives NaN.
double sin(double x);
double cos(double x);

}  // namespace nn::libm
