// A finite-difference gradient checker for nn ops (test helper, header-only).
//
// Usage:
//
//   nn::Tensor x = nn::gradcheck::uniform({3, 4}, /*seed=*/1, -2.0f, 2.0f);
//   EXPECT_TRUE(nn::gradcheck::check(
//       [](const std::vector<nn::Tensor>& in) { return nn::tanh(in[0]); }, {x}));
//
// `f` builds any tensor from the leaves (the op under test). The checker turns it into a scalar
// loss L = sum_j w_j * f(leaves)_j with fixed random weights w_j (|w_j| in [0.5, 1.5], random
// sign), so every output element contributes to every checked gradient with its own weight: a
// gradient routed to the wrong element, a wrong factor or a wrong sign all show up.
//
//  * Analytic gradient: f is evaluated under a fresh TapeScope, L = sum(f * w) is recorded on the
//    tape and L.backward() fills each leaf's grad().
//  * Numeric gradient: for each leaf element x, f is evaluated without a tape at x + h and x - h
//    (h = step * max(|x|, min_scale)); L is accumulated in double from the float outputs, and the
//    quotient uses the step actually taken after rounding x +- h to float. Outputs that do not
//    depend on x are computed identically in both evaluations and cancel exactly, so the noise is
//    only the float rounding of the outputs that do depend on x.
//
// An element passes when |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|) (NaN
// fails). On failure the message names, for each failing leaf, the worst element (flat index and
// multi-index), both values and the largest |difference|. Set PHANTOM_GRADCHECK_VERBOSE=1 to print
// the largest difference of passing checks too.
//
// The leaves must be distinct owned tensors (Tensor::from_vector, zeros, ...); the checker marks
// them as requiring a gradient and restores their values afterwards. Their gradients are seeded
// with random values before backward() and the seed is subtracted after it, so a backward that
// overwrites a gradient instead of adding to it fails; on return each leaf's grad() holds the
// analytic d loss / d leaf. f must be deterministic and must not open a TapeScope itself; it may
// capture constants (indices, actions, targets) and return a view or a composite. Kinks (relu at
// 0, clamp bounds, ties of max/min) must be farther than h from every input.
//
// Tolerances: with the defaults, float rounding gives differences around 1e-5..1e-4 for single
// ops and up to ~1e-3 for composed graphs of O(1) values, while a wrong factor, sign or index is
// off by the size of the gradient itself.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "nn/ops.hpp"
#include "nn/rng.hpp"
#include "nn/tape.hpp"
#include "nn/tensor.hpp"

namespace nn::gradcheck {

struct Options {
  double step = 1e-3;           // relative finite-difference step
  double min_scale = 1.0;       // h = step * max(|x|, min_scale)
  double rtol = 1e-2;           // relative tolerance
  double atol = 1e-3;           // absolute tolerance
  uint64_t seed = 0x5EED;       // seed of the loss weights
  bool require_nonzero = true;  // fail if a leaf's numeric gradient is all below 10 * atol
};

/// Builds the output under test from the leaves.
using Fn = std::function<Tensor(const std::vector<Tensor>& leaves)>;

/// An owned tensor of uniform values in [lo, hi), from a fixed seed.
inline Tensor uniform(const Shape& shape, uint64_t seed, float lo, float hi) {
  Rng rng(seed, 0x6C65);
  std::vector<float> v(static_cast<std::size_t>(shape.numel()));
  for (float& x : v) x = rng.uniform(lo, hi);
  return Tensor::from_vector(v, shape);
}

/// Like uniform(), but every value is at least `gap` away from each of `kinks` (redrawn until
/// it is): inputs for relu, clamp, max... where the derivative jumps.
inline Tensor uniform_away(const Shape& shape, uint64_t seed, float lo, float hi,
                           const std::vector<float>& kinks, float gap) {
  Rng rng(seed, 0x6177);
  std::vector<float> v(static_cast<std::size_t>(shape.numel()));
  for (float& x : v) {
    bool near = true;
    while (near) {
      x = rng.uniform(lo, hi);
      near = false;
      for (float k : kinks) near = near || std::fabs(x - k) < gap;
    }
  }
  return Tensor::from_vector(v, shape);
}

namespace detail {

// Row-major multi-index of flat index i, e.g. "[1, 3]".
inline std::string multi_index(const Shape& s, int64_t i) {
  std::vector<int64_t> idx(static_cast<std::size_t>(s.rank()));
  for (int d = s.rank() - 1; d >= 0; --d) {
    idx[static_cast<std::size_t>(d)] = s[d] == 0 ? 0 : i % s[d];
    i = s[d] == 0 ? 0 : i / s[d];
  }
  std::ostringstream o;
  o << '[';
  for (std::size_t d = 0; d < idx.size(); ++d) o << (d ? ", " : "") << idx[d];
  o << ']';
  return o.str();
}

// The loss weights for an output of n elements: magnitude in [0.5, 1.5), random sign.
inline std::vector<double> loss_weights(int64_t n, uint64_t seed) {
  Rng rng(seed, 0x77);
  std::vector<double> w(static_cast<std::size_t>(n));
  for (double& x : w) {
    double mag = 0.5 + rng.uniform_double();
    x = rng.uniform() < 0.5f ? -mag : mag;
  }
  return w;
}

// L = sum_j w_j out_j, accumulated in double.
inline double weighted_sum(const Tensor& out, const std::vector<double>& w) {
  std::vector<float> v = out.to_vector();
  double s = 0.0;
  for (std::size_t j = 0; j < v.size(); ++j) s += w[j] * static_cast<double>(v[j]);
  return s;
}

}  // namespace detail

/// Compares the analytic gradient of every leaf with central differences (see the file comment).
inline ::testing::AssertionResult check(const Fn& f, std::vector<Tensor> leaves,
                                        const Options& opt = {}) {
  // Each leaf's gradient starts from random values that are subtracted again afterwards: a
  // backward function that overwrites instead of accumulating is caught.
  std::vector<std::vector<float>> prior(leaves.size());
  Rng prior_rng(opt.seed, 0x7072);
  for (std::size_t l = 0; l < leaves.size(); ++l) {
    leaves[l].set_requires_grad(true);
    float* g = leaves[l].grad();
    for (int64_t i = 0; i < leaves[l].numel(); ++i) {
      g[i] = prior_rng.uniform(-1.0f, 1.0f);
      prior[l].push_back(g[i]);
    }
  }

  // Analytic gradients, through the tape.
  std::vector<double> w;
  Shape out_shape;
  {
    Tape tape;
    TapeScope scope(tape);
    Tensor out = f(leaves);
    out_shape = out.shape();
    w = detail::loss_weights(out.numel(), opt.seed);
    if (!out.requires_grad()) {
      return ::testing::AssertionFailure()
             << "the output " << out_shape.to_string() << " does not require a gradient";
    }
    std::vector<float> wf(w.begin(), w.end());
    Tensor loss = sum(mul(out, Tensor::from_vector(wf, out_shape)));
    loss.backward();
  }

  std::ostringstream failures, summary;
  bool ok = true;
  for (std::size_t l = 0; l < leaves.size(); ++l) {
    Tensor& leaf = leaves[l];
    std::vector<float> analytic = leaf.grad_tensor().to_vector();
    for (std::size_t i = 0; i < analytic.size(); ++i) analytic[i] -= prior[l][i];
    std::copy(analytic.begin(), analytic.end(), leaf.grad());  // leave d loss / d leaf behind
    float* x = leaf.data();
    double max_diff = 0.0, worst_ratio = -1.0, max_numeric = 0.0;
    int64_t worst = 0;
    double worst_a = 0.0, worst_n = 0.0;
    for (int64_t i = 0; i < leaf.numel(); ++i) {
      const float x0 = x[i];
      const double h = opt.step * std::max(std::fabs(static_cast<double>(x0)), opt.min_scale);
      const float xp = static_cast<float>(x0 + h), xm = static_cast<float>(x0 - h);
      x[i] = xp;
      Tensor out_p = f(leaves);
      double lp = detail::weighted_sum(out_p, w);
      x[i] = xm;
      Tensor out_m = f(leaves);
      double lm = detail::weighted_sum(out_m, w);
      x[i] = x0;
      if (out_p.shape() != out_shape || out_m.shape() != out_shape) {
        return ::testing::AssertionFailure() << "f's output shape changed between evaluations";
      }
      double numeric = (lp - lm) / (static_cast<double>(xp) - static_cast<double>(xm));
      double a = analytic[static_cast<std::size_t>(i)];
      double diff = std::fabs(a - numeric);
      double tol = opt.atol + opt.rtol * std::max(std::fabs(a), std::fabs(numeric));
      double ratio = diff / tol;
      if (std::isnan(ratio)) ratio = HUGE_VAL;
      max_diff = std::max(max_diff, std::isnan(diff) ? HUGE_VAL : diff);
      max_numeric = std::max(max_numeric, std::fabs(numeric));
      if (ratio > worst_ratio) {
        worst_ratio = ratio;
        worst = i;
        worst_a = a;
        worst_n = numeric;
      }
    }
    summary << " leaf " << l << ' ' << leaf.shape().to_string() << ": max |diff| " << max_diff
            << ';';
    if (worst_ratio > 1.0) {
      ok = false;
      failures << "\n  leaf " << l << ' ' << leaf.shape().to_string() << ": worst element " << worst
               << ' ' << detail::multi_index(leaf.shape(), worst) << ": analytic " << worst_a
               << ", numeric " << worst_n << ", |diff| " << std::fabs(worst_a - worst_n)
               << " (tolerance "
               << opt.atol + opt.rtol * std::max(std::fabs(worst_a), std::fabs(worst_n))
               << "); max |diff| over the leaf " << max_diff;
    } else if (opt.require_nonzero && leaf.numel() > 0 && max_numeric < 10.0 * opt.atol) {
      ok = false;
      failures << "\n  leaf " << l << ' ' << leaf.shape().to_string()
               << ": the numeric gradient is (almost) zero everywhere (max " << max_numeric
               << "), so the check proves nothing; change the inputs or set require_nonzero";
    }
  }
  if (!ok) return ::testing::AssertionFailure() << "gradient check failed:" << failures.str();
  const char* verbose = std::getenv("PHANTOM_GRADCHECK_VERBOSE");
  if (verbose != nullptr && verbose[0] == '1')
    std::printf("[gradcheck]%s\n", summary.str().c_str());
  return ::testing::AssertionSuccess() << "gradients match:" << summary.str();
}

}  // namespace nn::gradcheck
