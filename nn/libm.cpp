// Our own double-precision elementary functions (nn/libm.hpp): why and how accurate is there.
//
// Each function reduces its argument with exact or nearly exact steps to a small interval, then
// evaluates a truncated Taylor series there by Horner's rule. The series' coefficients are 1/k!
// or 1/(2k+1), rounded to double; every truncation error is below 2^-60 of the result, so the
// rounding of the last few operations (about half an ulp) dominates.
#include "nn/libm.hpp"

#include <cmath>
#include <limits>

namespace nn::libm {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ln 2 split so that k * kLn2Hi is exact for |k| < 2^11 (its low 32 bits are zero) — the
// split fdlibm uses.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;

// pi/2 in three parts of 33 bits each (fdlibm's pio2_1, pio2_2, pio2_3): k * part is exact
// for |k| < 2^20, so x - k*pio2_1 - k*pio2_2 - k*pio2_3 loses nothing there.
constexpr double kPio2_1 = 1.57079632673412561417e+00;
constexpr double kPio2_2 = 6.07710050630396597660e-11;
constexpr double kPio2_3 = 2.02226624871116645580e-21;
constexpr double kPio2_3Tail = 8.47842766036889956997e-32;
constexpr double kTwoOverPi = 6.36619772367581382433e-01;

// Rounds to the nearest integer, halves up, exactly (floor is exact).
double round_half_up(double x) {
  return std::floor(x + 0.5);
}

// e^r for |r| <= ln2/2 (0.347): the Taylor series to degree 13 (truncation < 2^-61).
double exp_reduced(double r) {
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;  // 1/12!
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  // 1 + r + r^2 * p, adding the large terms last.
  return 1.0 + (r + r * r * p);
}

// log(1 + f) + k ln2 for 1 + f in [sqrt(1/2), sqrt(2)): with s = f / (2 + f), log(1 + f) =
// 2 atanh s = 2s + 2s R', R' = s^2/3 + s^4/5 + ...; |s| <= 0.1716, so R' to s^22 truncates
// below 2^-62. Since 2s = f - s f and s f = hf - s hf (hf = f^2 / 2), log(1 + f) = f - (hf -
// s (hf + 2R')). The small terms (with k's low part) are summed first, then f, then k's high
// part: the two large additions round once each (fdlibm's arrangement).
double log_reduced(double f, double k) {
  const double s = f / (2.0 + f);
  const double z = s * s;
  double q = 1.0 / 23.0;
  for (int j = 21; j >= 3; j -= 2) q = q * z + 1.0 / j;
  const double r = 2.0 * z * q;
  const double hf = 0.5 * f * f;
  return k * kLn2Hi - ((hf - (s * (hf + r) + k * kLn2Lo)) - f);
}

// sin r and cos r for |r| <= pi/4 (plus a little): Taylor series to degree 19 and 20.
double sin_reduced(double r) {
  const double z = r * r;
  double p = -1.0 / 121645100408832000.0;  // -1/19!
  p = p * z + 1.0 / 355687428096000.0;     // 1/17!
  p = p * z - 1.0 / 1307674368000.0;       // -1/15!
  p = p * z + 1.0 / 6227020800.0;          // 1/13!
  p = p * z - 1.0 / 39916800.0;            // -1/11!
  p = p * z + 1.0 / 362880.0;              // 1/9!
  p = p * z - 1.0 / 5040.0;                // -1/7!
  p = p * z + 1.0 / 120.0;                 // 1/5!
  p = p * z - 1.0 / 6.0;                   // -1/3!
  return r + r * z * p;
}
double cos_reduced(double r) {
  const double z = r * r;
  double p = 1.0 / 2432902008176640000.0;  // 1/20!
  p = p * z - 1.0 / 6402373705728000.0;    // -1/18!
  p = p * z + 1.0 / 20922789888000.0;      // 1/16!
  p = p * z - 1.0 / 87178291200.0;         // -1/14!
  p = p * z + 1.0 / 479001600.0;           // 1/12!
  p = p * z - 1.0 / 3628800.0;             // -1/10!
  p = p * z + 1.0 / 40320.0;               // 1/8!
  p = p * z - 1.0 / 720.0;                 // -1/6!
  p = p * z + 1.0 / 24.0;                  // 1/4!
  // 1 - z/2 + z^2 p: 1 - z/2 is computed as w = 1 - hz plus the rounding error of that step.
  const double hz = 0.5 * z;
  const double w = 1.0 - hz;
  return w + (((1.0 - w) - hz) + z * z * p);
}

// x = k * pi/2 + r with |r| <= pi/4 (about); returns r, k mod 4 in `quadrant`.
double reduce_pio2(double x, int& quadrant) {
  const double k = round_half_up(x * kTwoOverPi);
  double r = x - k * kPio2_1;
  r -= k * kPio2_2;
  r -= k * kPio2_3;
  r -= k * kPio2_3Tail;
  const double q = k - 4.0 * std::floor(k * 0.25);  // k mod 4, in 0..3, exact
  quadrant = static_cast<int>(q);
  return r;
}

}  // namespace

double exp(double x) {
  if (x != x) return x;
  if (x > 709.782712893384) return kInf;
  if (x < -745.1332191019412) return 0.0;
  const double k = round_half_up(x * kInvLn2);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  return std::ldexp(exp_reduced(r), static_cast<int>(k));
}

double log(double x) {
  if (x != x || x < 0.0) return kNaN;
  if (x == 0.0) return -kInf;
  if (x == kInf) return kInf;
  int e = 0;
  double m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1): exact
  if (m < 0.70710678118654752440) {
    m *= 2.0;  // exact
    --e;
  }
  const double f = m - 1.0;  // exact (Sterbenz)
  return log_reduced(f, static_cast<double>(e));
}

double log1p(double x) {
  if (x != x || x < -1.0) return kNaN;
  if (x == -1.0) return -kInf;
  if (x == kInf) return kInf;
  const double u = 1.0 + x;
  if (u == 1.0) return x;  // |x| below half an ulp of 1: log1p(x) = x to double precision
  // log(u) is the log of the rounded 1 + x; c = x - (u - 1) is what rounding lost, and
  // log(1 + x) = log(u) + c / u to first order (the classic correction).
  const double c = x - (u - 1.0);
  return log(u) + c / u;
}

double pow(double x, double y) {
  if (y == 0.0) return 1.0;
  if (y == 1.0) return x;
  if (x != x || y != y || x < 0.0) return kNaN;
  if (x == 0.0) return y > 0.0 ? 0.0 : kInf;
  if (x == 1.0) return 1.0;
  return exp(y * log(x));
}

double sin(double x) {
  if (x != x || x == kInf || x == -kInf) return kNaN;
  int quadrant = 0;
  const double r = reduce_pio2(x, quadrant);
  switch (quadrant) {
    case 0:
      return sin_reduced(r);
    case 1:
      return cos_reduced(r);
    case 2:
      return -sin_reduced(r);
    default:
      return -cos_reduced(r);
  }
}

double cos(double x) {
  if (x != x || x == kInf || x == -kInf) return kNaN;
  int quadrant = 0;
  const double r = reduce_pio2(x, quadrant);
  switch (quadrant) {
    case 0:
      return cos_reduced(r);
    case 1:
      return -sin_reduced(r);
    case 2:
      return -cos_reduced(r);
    default:
      return sin_reduced(r);
  }
}

}  // namespace nn::libm
