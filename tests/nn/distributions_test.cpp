// Tests of the action distributions (nn/distributions.hpp).
//
// Values are checked against closed-form formulas evaluated independently here in double
// precision; gradients against central finite differences; samples against their expected
// frequencies/moments with fixed seeds (bounds of 5 standard errors, so a correct implementation
// essentially never fails and a wrong probability by a few percent does); and sampling against
// itself for determinism (same seed, any SIMD path, a fixed number of random draws).
#include "nn/distributions.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/rng.hpp"
#include "nn/tape.hpp"
#include "nn/tensor.hpp"

namespace {

using nn::Shape;
using nn::Tensor;

constexpr double kLog2Pi = 1.8378770664093454836;  // log(2 pi)

// ---- Helpers ---------------------------------------------------------------------------------

Tensor make(const std::vector<float>& v, const Shape& s) {
  return Tensor::from_vector(v, s);
}

// A [rows, cols] tensor of uniform values in [lo, hi) from `seed`.
Tensor random_tensor(const Shape& s, float lo, float hi, uint64_t seed) {
  nn::Rng rng(seed);
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  for (float& x : v) x = rng.uniform(lo, hi);
  return make(v, s);
}

// Each of the given rows repeated `times` times: [rows.size() * times, n].
Tensor repeat_rows(const std::vector<std::vector<float>>& rows, int64_t times) {
  int64_t n = static_cast<int64_t>(rows[0].size());
  std::vector<float> v;
  for (const auto& r : rows)
    for (int64_t t = 0; t < times; ++t) v.insert(v.end(), r.begin(), r.end());
  return make(v, Shape{static_cast<int64_t>(rows.size()) * times, n});
}

// Expects `fn` to throw E with every one of `parts` in its message.
template <class E, class Fn>
void expect_throw_with(Fn fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected an exception mentioning '" << parts[0] << "'";
  } catch (const E& e) {
    std::string msg = e.what();
    for (const std::string& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' is missing from: " << msg;
  }
}

// Expects got[i] to equal want[i] within abs_tol + rel_tol * |want[i]|, printing the max error.
void expect_close(const std::string& what, const Tensor& got, const std::vector<double>& want,
                  double abs_tol = 1e-5, double rel_tol = 1e-5) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << what;
  std::vector<float> g = got.to_vector();
  for (std::size_t i = 0; i < want.size(); ++i) {
    double err = std::fabs(static_cast<double>(g[i]) - want[i]);
    EXPECT_LE(err, abs_tol + rel_tol * std::fabs(want[i]))
        << what << "[" << i << "]: got " << g[i] << ", want " << want[i];
  }
}

// ---- A local central-difference gradient checker -----------------------------------------------
//
// f() builds a scalar from the parameters with nn ops. The analytic gradient comes from one
// backward() on a tape; the numeric one from (f(x + h) - f(x - h)) / (2h) per element, with f
// evaluated without a tape and the difference taken in double (dividing by the perturbation that
// float actually applied). h = 1e-2 keeps the truncation error (~h^2/6 f''') and the float
// round-off of f (~1e-7 |f| / h) both near 1e-5, so a tolerance of 2e-3 (+0.2% relative) still
// catches any wrong sign, factor or missing term.
void check_gradients(const std::string& what, std::vector<Tensor> params,
                     const std::function<Tensor()>& f, double h = 1e-2, double abs_tol = 2e-3,
                     double rel_tol = 2e-3) {
  for (Tensor& p : params) p.zero_grad();
  {
    nn::Tape tape;
    nn::TapeScope scope(tape);
    f().backward();
  }
  for (std::size_t k = 0; k < params.size(); ++k) {
    Tensor& p = params[k];
    std::vector<float> analytic(p.grad(), p.grad() + p.numel());
    float* x = p.data();
    double max_err = 0.0;
    for (int64_t i = 0; i < p.numel(); ++i) {
      const float saved = x[i];
      const float up = saved + static_cast<float>(h), down = saved - static_cast<float>(h);
      x[i] = up;
      double f_up = f().item();
      x[i] = down;
      double f_down = f().item();
      x[i] = saved;
      double numeric = (f_up - f_down) / (static_cast<double>(up) - static_cast<double>(down));
      double err = std::fabs(numeric - analytic[static_cast<std::size_t>(i)]);
      max_err = std::max(max_err, err);
      EXPECT_LE(err, abs_tol + rel_tol * std::fabs(numeric))
          << what << ": parameter " << k << ", element " << i << ": analytic "
          << analytic[static_cast<std::size_t>(i)] << ", numeric " << numeric;
    }
    std::printf("  [grad] %-45s param %zu: max |analytic - numeric| = %.2e\n", what.c_str(), k,
                max_err);
  }
}

// sum_b w_b * v_b with fixed, distinct weights, so every row's gradient is checked separately
// (a plain sum would hide rows swapped or mixed up).
Tensor weighted_sum(const Tensor& v) {
  std::vector<float> w(static_cast<std::size_t>(v.numel()));
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.5f + 0.37f * static_cast<float>(i);
  return nn::sum(nn::mul(make(w, v.shape()), v));
}

// ---- Closed-form references (double) -----------------------------------------------------------

double logsumexp(const float* l, int64_t n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < n; ++j) m = std::max(m, static_cast<double>(l[j]));
  double s = 0.0;
  for (int64_t j = 0; j < n; ++j) s += std::exp(static_cast<double>(l[j]) - m);
  return m + std::log(s);
}

// log_prob and entropy of each row of a categorical over `n` columns starting at column `off`
// of a [B, width] logits tensor.
void categorical_reference(const Tensor& logits, int64_t off, int64_t n,
                           const std::vector<float>& actions, std::vector<double>* logp,
                           std::vector<double>* ent) {
  int64_t rows = logits.dim(0), width = logits.dim(1);
  std::vector<float> l = logits.to_vector();
  for (int64_t b = 0; b < rows; ++b) {
    const float* row = l.data() + b * width + off;
    double lse = logsumexp(row, n), h = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      double lp = row[j] - lse;
      h -= std::exp(lp) * lp;
    }
    logp->push_back(row[static_cast<int64_t>(actions[static_cast<std::size_t>(b)])] - lse);
    ent->push_back(h);
  }
}

// log sigmoid(l), stable in double.
double log_sigmoid(double l) {
  return l >= 0 ? -std::log1p(std::exp(-l)) : l - std::log1p(std::exp(l));
}

// ================================================================================================
// Categorical
// ================================================================================================

TEST(DistributionCategorical, LogProbAndEntropyMatchClosedForm) {
  // A few batches: random logits of growing spread, and one with huge/equal logits.
  struct Case {
    Tensor logits;
    std::vector<float> actions;
  };
  std::vector<Case> cases = {
      {random_tensor(Shape{4, 3}, -1.0f, 1.0f, 1), {0, 1, 2, 1}},
      {random_tensor(Shape{5, 6}, -8.0f, 8.0f, 2), {5, 0, 3, 2, 4}},
      {make({100.0f, 0.0f, -100.0f, 7.0f, 7.0f, 7.0f, -1e9f, 2.0f, 1.0f}, Shape{3, 3}), {0, 2, 1}},
      {make({0.3f, -0.4f}, Shape{2, 1}), {0, 0}},  // one category: log p = 0, H = 0
  };
  for (std::size_t c = 0; c < cases.size(); ++c) {
    const Case& cs = cases[c];
    nn::Categorical dist(cs.logits);
    std::vector<double> logp, ent;
    categorical_reference(cs.logits, 0, cs.logits.dim(1), cs.actions, &logp, &ent);
    Tensor a = make(cs.actions, Shape{static_cast<int64_t>(cs.actions.size())});
    std::string tag = "case " + std::to_string(c);
    expect_close(tag + " log_prob", dist.log_prob(a), logp);
    expect_close(tag + " entropy", dist.entropy(), ent);
    EXPECT_EQ(dist.log_prob(a).shape(), (Shape{cs.logits.dim(0)}));
    EXPECT_EQ(dist.entropy().shape(), (Shape{cs.logits.dim(0)}));
  }
}

TEST(DistributionCategorical, ProbsAreSoftmaxAndSumToOne) {
  Tensor logits = random_tensor(Shape{3, 5}, -3.0f, 3.0f, 7);
  nn::Categorical dist(logits);
  Tensor p = dist.probs();
  ASSERT_EQ(p.shape(), (Shape{3, 5}));
  std::vector<float> l = logits.to_vector();
  std::vector<double> want;
  for (int64_t b = 0; b < 3; ++b) {
    double lse = logsumexp(l.data() + b * 5, 5);
    for (int64_t j = 0; j < 5; ++j) want.push_back(std::exp(l[b * 5 + j] - lse));
  }
  expect_close("probs", p, want, 1e-6, 1e-5);
  EXPECT_EQ(dist.num_categories(), 5);
  EXPECT_EQ(dist.action_dim(), 1);
  EXPECT_EQ(dist.batch_size(), 3);
}

TEST(DistributionCategorical, AcceptsActionsAsAColumn) {
  Tensor logits = random_tensor(Shape{4, 3}, -2.0f, 2.0f, 3);
  nn::Categorical dist(logits);
  std::vector<float> a = {2, 0, 1, 1};
  EXPECT_EQ(dist.log_prob(make(a, Shape{4})).to_vector(),
            dist.log_prob(make(a, Shape{4, 1})).to_vector());
}

TEST(DistributionCategorical, GradientsMatchFiniteDifferences) {
  Tensor logits = random_tensor(Shape{4, 5}, -2.0f, 2.0f, 11).set_requires_grad();
  Tensor actions = make({4, 0, 2, 2}, Shape{4});
  check_gradients("Categorical log_prob", {logits},
                  [&] { return weighted_sum(nn::Categorical(logits).log_prob(actions)); });
  check_gradients("Categorical entropy", {logits},
                  [&] { return weighted_sum(nn::Categorical(logits).entropy()); });
  check_gradients("Categorical probs", {logits},
                  [&] { return weighted_sum(nn::Categorical(logits).probs()); });
}

// sample_into is how a worker acts: it must draw and score exactly what sample() then log_prob()
// would, and leave the generator where they leave it. Categorical has its own (tensor-free) path;
// DiagGaussian and MultiCategorical use the default.
TEST(DistributionSampleInto, EqualsSampleThenLogProb) {
  Tensor logits =
      Tensor::from_vector({0.5f, -1.0f, 2.0f, 3.0f, 3.0f, -2.0f, -1e9f, 0.0f, 1.0f}, Shape{3, 3});
  Tensor mean = Tensor::from_vector({0.1f, -0.2f, 1.5f, 0.0f}, Shape{2, 2});
  Tensor log_std = Tensor::from_vector({-0.5f, 0.3f}, Shape{2});
  nn::Categorical categorical(logits);
  nn::DiagGaussian gaussian(mean, log_std);
  nn::MultiCategorical multi(
      Tensor::from_vector({0.2f, 0.1f, -0.3f, 1.0f, 0.0f, 0.5f, 2.0f, -1.0f, 0.0f, 0.3f},
                          Shape{2, 5}),
      {2, 3});
  for (const nn::Distribution* dist :
       std::vector<const nn::Distribution*>{&categorical, &gaussian, &multi}) {
    SCOPED_TRACE(dist->name());
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      nn::Rng a(seed), b(seed);
      Tensor drawn = dist->sample(a);
      Tensor lp = dist->log_prob(drawn);
      const int64_t n = dist->batch_size() * dist->action_dim();
      std::vector<float> actions(static_cast<std::size_t>(n)),
          logp(static_cast<std::size_t>(dist->batch_size()));
      dist->sample_into(b, actions.data(), logp.data());
      EXPECT_EQ(actions, drawn.to_vector());
      EXPECT_EQ(logp, lp.to_vector());
      EXPECT_EQ(a.next_u64(), b.next_u64());  // the same number of draws
      nn::Rng c(seed);
      dist->sample_into(c, actions.data(), nullptr);  // no log-probabilities asked
      EXPECT_EQ(actions, drawn.to_vector());
    }
  }
}

TEST(DistributionCategorical, SampleFrequenciesMatchProbs) {
  // Three kinds of rows, each repeated N times in one batch; the third masks category 0.
  const int64_t N = 20000, n = 5;
  std::vector<std::vector<float>> kinds = {
      {0.5f, -1.0f, 2.0f, 0.0f, 1.0f}, {3.0f, 3.0f, -2.0f, 0.1f, -0.7f}, {-1e9f, 0, 0, 1, -3}};
  Tensor logits = repeat_rows(kinds, N);
  nn::Categorical dist(logits);
  nn::Rng rng(1234);
  Tensor s = dist.sample(rng);
  ASSERT_EQ(s.shape(), (Shape{3 * N}));
  std::vector<float> v = s.to_vector();
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    std::vector<int64_t> count(n, 0);
    for (int64_t t = 0; t < N; ++t) {
      float x = v[k * N + static_cast<std::size_t>(t)];
      ASSERT_EQ(x, std::floor(x));
      ASSERT_TRUE(x >= 0 && x < n) << x;
      ++count[static_cast<std::size_t>(x)];
    }
    double lse = logsumexp(kinds[k].data(), n);
    for (int64_t j = 0; j < n; ++j) {
      double p = std::exp(kinds[k][static_cast<std::size_t>(j)] - lse);
      double freq = static_cast<double>(count[static_cast<std::size_t>(j)]) / N;
      double sigma = std::sqrt(p * (1.0 - p) / N);
      EXPECT_LE(std::fabs(freq - p), 5.0 * sigma) << "row kind " << k << ", category " << j;
    }
  }
}

TEST(DistributionCategorical, ModeIsTheFirstLargestLogit) {
  Tensor logits = make({0, 3, 3, 1,  // tie: the first one wins
                        -5, -4, -6, -9, 2, 2, 2, 2},
                       Shape{3, 4});
  nn::Categorical dist(logits);
  EXPECT_EQ(dist.mode().to_vector(), (std::vector<float>{1, 1, 0}));
  EXPECT_EQ(dist.mode().shape(), (Shape{3}));
}

// ================================================================================================
// DiagGaussian
// ================================================================================================

// Closed-form log-density and entropy of each row; log_std is [B, d] or a shared [d] row.
void gaussian_reference(const Tensor& mean, const Tensor& log_std, const Tensor& x,
                        std::vector<double>* logp, std::vector<double>* ent) {
  int64_t rows = mean.dim(0), d = mean.dim(1);
  bool shared = log_std.numel() == d;
  std::vector<float> mu = mean.to_vector(), ls = log_std.to_vector(), xv = x.to_vector();
  for (int64_t b = 0; b < rows; ++b) {
    double lp = 0.0, h = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      double s = ls[static_cast<std::size_t>(shared ? j : b * d + j)];
      double sigma = std::exp(s);
      double diff = static_cast<double>(xv[b * d + j]) - mu[b * d + j];
      lp += -diff * diff / (2.0 * sigma * sigma) - std::log(sigma) - 0.5 * kLog2Pi;
      h += 0.5 * (1.0 + kLog2Pi) + s;
    }
    logp->push_back(lp);
    ent->push_back(h);
  }
}

TEST(DistributionDiagGaussian, LogProbAndEntropyMatchClosedForm) {
  const int64_t B = 4, d = 3;
  Tensor mean = random_tensor(Shape{B, d}, -2.0f, 2.0f, 21);
  Tensor x = random_tensor(Shape{B, d}, -3.0f, 3.0f, 22);
  std::vector<Tensor> log_stds = {random_tensor(Shape{B, d}, -1.5f, 1.0f, 23),
                                  random_tensor(Shape{d}, -1.5f, 1.0f, 24),
                                  random_tensor(Shape{1, d}, -1.5f, 1.0f, 25)};
  for (const Tensor& ls : log_stds) {
    nn::DiagGaussian dist(mean, ls);
    std::vector<double> logp, ent;
    gaussian_reference(mean, ls, x, &logp, &ent);
    std::string tag = "log_std " + ls.shape().to_string();
    expect_close(tag + " log_prob", dist.log_prob(x), logp);
    expect_close(tag + " entropy", dist.entropy(), ent);
    EXPECT_EQ(dist.entropy().shape(), (Shape{B})) << tag;
    EXPECT_EQ(dist.action_dim(), d);
    EXPECT_EQ(dist.batch_size(), B);
  }
}

TEST(DistributionDiagGaussian, GradientsMatchFiniteDifferences) {
  const int64_t B = 3, d = 2;
  Tensor mean = random_tensor(Shape{B, d}, -1.0f, 1.0f, 31).set_requires_grad();
  Tensor x = random_tensor(Shape{B, d}, -2.0f, 2.0f, 32);
  for (Shape s : {Shape{B, d}, Shape{d}}) {
    Tensor ls = random_tensor(s, -0.5f, 0.5f, 33).set_requires_grad();
    std::string tag = "DiagGaussian log_std " + s.to_string();
    check_gradients(tag + " log_prob", {mean, ls},
                    [&] { return weighted_sum(nn::DiagGaussian(mean, ls).log_prob(x)); });
    check_gradients(tag + " entropy", {mean, ls},
                    [&] { return weighted_sum(nn::DiagGaussian(mean, ls).entropy()); });
  }
}

// Checks the sample mean and std of column j over the rows b = first, first + step, ...
void expect_gaussian_moments(const std::vector<float>& v, int64_t d, int64_t first, int64_t step,
                             int64_t count, int64_t j, double mu, double sigma) {
  double m = 0.0, m2 = 0.0;
  for (int64_t t = 0; t < count; ++t) m += v[(first + t * step) * d + j];
  m /= static_cast<double>(count);
  for (int64_t t = 0; t < count; ++t) {
    double e = v[(first + t * step) * d + j] - m;
    m2 += e * e;
  }
  double sd = std::sqrt(m2 / static_cast<double>(count - 1));
  double n = static_cast<double>(count);
  EXPECT_LE(std::fabs(m - mu), 5.0 * sigma / std::sqrt(n))
      << "rows from " << first << ", col " << j;
  EXPECT_LE(std::fabs(sd - sigma), 5.0 * sigma / std::sqrt(2.0 * n))
      << "rows from " << first << ", col " << j;
}

TEST(DistributionDiagGaussian, SampleMeanAndStdMatch) {
  const int64_t N = 20000, d = 3;
  std::vector<float> mu = {1.0f, -2.0f, 0.5f}, ls = {0.0f, -1.0f, 0.7f}, ls2 = {-2.0f, 0.3f, 0.0f};
  {
    // Shared [d] log_std.
    nn::DiagGaussian dist(repeat_rows({mu}, N), make(ls, Shape{d}));
    nn::Rng rng(99);
    Tensor s = dist.sample(rng);
    ASSERT_EQ(s.shape(), (Shape{N, d}));
    std::vector<float> v = s.to_vector();
    for (int64_t j = 0; j < d; ++j)
      expect_gaussian_moments(v, d, 0, 1, N, j, mu[j], std::exp(ls[j]));
  }
  {
    // Per-row [2N, d] log_std, alternating between two rows: each row must use its own.
    std::vector<float> lsv;
    for (int64_t b = 0; b < N; ++b) {
      lsv.insert(lsv.end(), ls.begin(), ls.end());
      lsv.insert(lsv.end(), ls2.begin(), ls2.end());
    }
    nn::DiagGaussian dist(repeat_rows({mu}, 2 * N), make(lsv, Shape{2 * N, d}));
    nn::Rng rng(98);
    std::vector<float> v = dist.sample(rng).to_vector();
    for (int64_t j = 0; j < d; ++j) {
      expect_gaussian_moments(v, d, 0, 2, N, j, mu[j], std::exp(ls[j]));
      expect_gaussian_moments(v, d, 1, 2, N, j, mu[j], std::exp(ls2[j]));
    }
  }
}

TEST(DistributionDiagGaussian, ModeIsTheMean) {
  Tensor mean = random_tensor(Shape{2, 3}, -1.0f, 1.0f, 41);
  nn::DiagGaussian dist(mean, Tensor::zeros(Shape{3}));
  EXPECT_EQ(dist.mode().data(), mean.data());  // the same tensor, so gradients reach it
  EXPECT_EQ(dist.mode().shape(), mean.shape());
}

// ================================================================================================
// Bernoulli
// ================================================================================================

TEST(DistributionBernoulli, LogProbAndEntropyMatchClosedForm) {
  // Includes logits far beyond where a naive log(sigmoid(l)) loses everything.
  std::vector<Tensor> batches = {random_tensor(Shape{4, 3}, -4.0f, 4.0f, 51),
                                 make({60.0f, -60.0f, 0.0f, -25.0f, 25.0f, 1e-3f}, Shape{2, 3})};
  for (const Tensor& logits : batches) {
    int64_t rows = logits.dim(0), d = logits.dim(1);
    nn::Rng rng(52);
    std::vector<float> xv(static_cast<std::size_t>(rows * d));
    for (float& x : xv) x = rng.uniform() < 0.5f ? 0.0f : 1.0f;
    Tensor x = make(xv, logits.shape());
    std::vector<float> l = logits.to_vector();
    std::vector<double> logp, ent;
    for (int64_t b = 0; b < rows; ++b) {
      double lp = 0.0, h = 0.0;
      for (int64_t j = 0; j < d; ++j) {
        double li = l[b * d + j], p = 1.0 / (1.0 + std::exp(-li));
        lp += xv[b * d + j] == 1.0f ? log_sigmoid(li) : log_sigmoid(-li);
        h -= p * log_sigmoid(li) + (1.0 - p) * log_sigmoid(-li);
      }
      logp.push_back(lp);
      ent.push_back(h);
    }
    nn::Bernoulli dist(logits);
    std::string tag = "logits " + logits.shape().to_string();
    expect_close(tag + " log_prob", dist.log_prob(x), logp);
    expect_close(tag + " entropy", dist.entropy(), ent);
    for (float v : dist.log_prob(x).to_vector()) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(DistributionBernoulli, GradientsMatchFiniteDifferences) {
  Tensor logits = random_tensor(Shape{3, 4}, -5.0f, 5.0f, 61).set_requires_grad();
  Tensor x = make({1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0}, Shape{3, 4});
  check_gradients("Bernoulli log_prob", {logits},
                  [&] { return weighted_sum(nn::Bernoulli(logits).log_prob(x)); });
  check_gradients("Bernoulli entropy", {logits},
                  [&] { return weighted_sum(nn::Bernoulli(logits).entropy()); });
}

TEST(DistributionBernoulli, SampleRatesMatchProbs) {
  const int64_t N = 20000;
  std::vector<float> l = {-2.0f, 0.0f, 1.5f, 40.0f, -40.0f};
  const int64_t d = static_cast<int64_t>(l.size());
  nn::Bernoulli dist(repeat_rows({l}, N));
  nn::Rng rng(7);
  std::vector<float> v = dist.sample(rng).to_vector();
  for (int64_t j = 0; j < d; ++j) {
    double ones = 0.0;
    for (int64_t b = 0; b < N; ++b) {
      float x = v[b * d + j];
      ASSERT_TRUE(x == 0.0f || x == 1.0f) << x;
      ones += x;
    }
    double p = 1.0 / (1.0 + std::exp(-static_cast<double>(l[j])));
    EXPECT_LE(std::fabs(ones / N - p), 5.0 * std::sqrt(p * (1.0 - p) / N) + 1.0 / N)
        << "column " << j;
  }
}

TEST(DistributionBernoulli, ModeIsOneWhereLogitIsPositive) {
  nn::Bernoulli dist(make({-1.0f, 0.0f, 2.0f, 1e-6f, -1e-6f, 30.0f}, Shape{2, 3}));
  EXPECT_EQ(dist.mode().to_vector(), (std::vector<float>{0, 0, 1, 1, 0, 1}));
  EXPECT_EQ(dist.probs().shape(), (Shape{2, 3}));
  EXPECT_NEAR(dist.probs().to_vector()[2], 1.0 / (1.0 + std::exp(-2.0)), 1e-6);
}

// ================================================================================================
// MultiCategorical
// ================================================================================================

TEST(DistributionMultiCategorical, IsTheSumOfItsComponentCategoricals) {
  const std::vector<int64_t> nvec = {2, 3, 1, 4};
  const int64_t B = 5, k = 4, width = 10;
  Tensor logits = random_tensor(Shape{B, width}, -3.0f, 3.0f, 71);
  nn::MultiCategorical dist(logits, nvec);
  ASSERT_EQ(dist.action_dim(), k);
  ASSERT_EQ(dist.batch_size(), B);

  nn::Rng arng(72);
  std::vector<float> av(static_cast<std::size_t>(B * k));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < k; ++i)
      av[b * k + i] = static_cast<float>(arng.uniform_int(0, nvec[static_cast<std::size_t>(i)]));
  Tensor actions = make(av, Shape{B, k});

  // Against separately built Categoricals on the column slices, and the double reference.
  std::vector<double> logp(B, 0.0), ent(B, 0.0), sum_logp(B, 0.0), sum_ent(B, 0.0);
  int64_t off = 0;
  std::vector<float> mode_want(static_cast<std::size_t>(B * k));
  for (int64_t i = 0; i < k; ++i) {
    int64_t n = nvec[static_cast<std::size_t>(i)];
    nn::Categorical c(nn::slice(logits, 1, off, n));
    std::vector<float> col(B);
    for (int64_t b = 0; b < B; ++b) col[b] = av[b * k + i];
    std::vector<float> lp = c.log_prob(make(col, Shape{B})).to_vector();
    std::vector<float> h = c.entropy().to_vector();
    std::vector<float> m = c.mode().to_vector();
    std::vector<double> rl, rh;
    categorical_reference(logits, off, n, col, &rl, &rh);
    for (int64_t b = 0; b < B; ++b) {
      sum_logp[b] += lp[b];
      sum_ent[b] += h[b];
      logp[b] += rl[b];
      ent[b] += rh[b];
      mode_want[b * k + i] = m[b];
    }
    off += n;
  }
  expect_close("log_prob vs components", dist.log_prob(actions), sum_logp, 1e-6, 1e-6);
  expect_close("entropy vs components", dist.entropy(), sum_ent, 1e-6, 1e-6);
  expect_close("log_prob vs closed form", dist.log_prob(actions), logp);
  expect_close("entropy vs closed form", dist.entropy(), ent);
  EXPECT_EQ(dist.mode().to_vector(), mode_want);
  EXPECT_EQ(dist.mode().shape(), (Shape{B, k}));
  // Ties go to the first largest logit within each component.
  nn::MultiCategorical tied(make({1, 1, 0, 2, 2, 5, 5, 5, 0, 0}, Shape{2, 5}), {2, 3});
  EXPECT_EQ(tied.mode().to_vector(), (std::vector<float>{0, 1, 0, 0}));

  // Sampling draws component by component: the same as sampling each component in turn.
  nn::Rng r1(73), r2(73);
  std::vector<float> s = dist.sample(r1).to_vector();
  for (int64_t i = 0; i < k; ++i) {
    std::vector<float> c = dist.component(i).sample(r2).to_vector();
    for (int64_t b = 0; b < B; ++b) EXPECT_EQ(s[b * k + i], c[b]) << "row " << b << " comp " << i;
  }
  EXPECT_EQ(r1.next_u32(), r2.next_u32());
}

TEST(DistributionMultiCategorical, GradientsMatchFiniteDifferences) {
  Tensor logits = random_tensor(Shape{3, 6}, -2.0f, 2.0f, 81).set_requires_grad();
  Tensor actions = make({1, 2, 0, 0, 0, 0, 1, 1, 0}, Shape{3, 3});
  std::vector<int64_t> nvec = {2, 3, 1};
  check_gradients("MultiCategorical log_prob", {logits}, [&] {
    return weighted_sum(nn::MultiCategorical(logits, nvec).log_prob(actions));
  });
  check_gradients("MultiCategorical entropy", {logits},
                  [&] { return weighted_sum(nn::MultiCategorical(logits, nvec).entropy()); });
}

TEST(DistributionMultiCategorical, SampleFrequenciesMatchProbs) {
  const int64_t N = 20000;
  std::vector<float> row = {1.0f, -1.0f, 0.0f, 2.0f, 0.5f};  // nvec {2, 3}
  nn::MultiCategorical dist(repeat_rows({row}, N), {2, 3});
  nn::Rng rng(5);
  std::vector<float> v = dist.sample(rng).to_vector();
  int64_t off = 0;
  for (int64_t i = 0; i < 2; ++i) {
    int64_t n = i == 0 ? 2 : 3;
    double lse = logsumexp(row.data() + off, n);
    for (int64_t j = 0; j < n; ++j) {
      double count = 0.0;
      for (int64_t b = 0; b < N; ++b) count += v[b * 2 + i] == static_cast<float>(j) ? 1.0 : 0.0;
      double p = std::exp(row[off + j] - lse);
      EXPECT_LE(std::fabs(count / N - p), 5.0 * std::sqrt(p * (1.0 - p) / N))
          << "component " << i << ", category " << j;
    }
    off += n;
  }
}

// ================================================================================================
// Common interface, tape behaviour, determinism
// ================================================================================================

// One of each distribution over a batch of B rows.
std::vector<std::unique_ptr<nn::Distribution>> one_of_each(int64_t B, uint64_t seed) {
  std::vector<std::unique_ptr<nn::Distribution>> d;
  d.push_back(std::make_unique<nn::Categorical>(random_tensor(Shape{B, 4}, -2, 2, seed)));
  d.push_back(std::make_unique<nn::DiagGaussian>(random_tensor(Shape{B, 3}, -2, 2, seed + 1),
                                                 random_tensor(Shape{3}, -1, 1, seed + 2)));
  d.push_back(std::make_unique<nn::Bernoulli>(random_tensor(Shape{B, 5}, -2, 2, seed + 3)));
  d.push_back(std::make_unique<nn::MultiCategorical>(random_tensor(Shape{B, 7}, -2, 2, seed + 4),
                                                     std::vector<int64_t>{3, 4}));
  return d;
}

TEST(DistributionInterface, EveryDistributionWorksThroughTheBase) {
  const int64_t B = 6;
  auto dists = one_of_each(B, 100);
  std::vector<std::string> names = {"Categorical", "DiagGaussian", "Bernoulli", "MultiCategorical"};
  std::vector<int64_t> dims = {1, 3, 5, 2};
  nn::Rng rng(1);
  for (std::size_t i = 0; i < dists.size(); ++i) {
    const nn::Distribution& d = *dists[i];
    EXPECT_EQ(d.name(), names[i]);
    EXPECT_EQ(d.batch_size(), B);
    EXPECT_EQ(d.action_dim(), dims[i]);
    Tensor a = d.sample(rng);
    EXPECT_EQ(a.numel(), B * d.action_dim()) << d.name();
    EXPECT_EQ(d.mode().shape(), a.shape()) << d.name();
    Tensor lp = d.log_prob(a);
    EXPECT_EQ(lp.shape(), (Shape{B})) << d.name();
    for (float v : lp.to_vector()) EXPECT_TRUE(std::isfinite(v) && v <= 10.0f) << d.name();
    EXPECT_EQ(d.entropy().shape(), (Shape{B})) << d.name();
    // The mode is at least as likely as the sample (for these discrete ones, and at the mean for
    // the Gaussian).
    std::vector<float> lp_mode = d.log_prob(d.mode()).to_vector(), lp_v = lp.to_vector();
    for (int64_t b = 0; b < B; ++b) EXPECT_GE(lp_mode[b], lp_v[b] - 1e-5f) << d.name();
  }
}

TEST(DistributionInterface, ResultsFollowTheTapeLikeOps) {
  Tensor logits = random_tensor(Shape{3, 4}, -1, 1, 5).set_requires_grad();
  Tensor actions = make({0, 3, 1}, Shape{3});
  nn::Rng rng(2);
  {
    // No tape: owned results, no gradient.
    nn::Categorical d(logits);
    EXPECT_EQ(d.log_prob(actions).tape(), nullptr);
    EXPECT_FALSE(d.log_prob(actions).requires_grad());
    EXPECT_EQ(d.sample(rng).tape(), nullptr);
  }
  nn::Tape tape;
  {
    nn::TapeScope scope(tape);
    nn::Categorical d(logits);
    Tensor lp = d.log_prob(actions);
    EXPECT_EQ(lp.tape(), &tape);
    EXPECT_TRUE(lp.requires_grad());
    EXPECT_TRUE(d.entropy().requires_grad());
    Tensor s = d.sample(rng);
    EXPECT_EQ(s.tape(), &tape);  // arena memory: a rollout step allocates nothing
    EXPECT_FALSE(s.requires_grad());
    EXPECT_FALSE(d.mode().requires_grad());
  }
  {
    nn::TapeScope scope(tape);
    nn::NoGradGuard no_grad;
    nn::Categorical d(logits);
    EXPECT_FALSE(d.log_prob(actions).requires_grad());
    EXPECT_EQ(tape.num_nodes(), 0u);
  }
}

TEST(DistributionDeterminism, SameSeedGivesIdenticalSamples) {
  const int64_t B = 64;
  auto dists = one_of_each(B, 200);
  for (const auto& d : dists) {
    nn::Rng r1(42), r2(42), r3(43);
    std::vector<float> a = d->sample(r1).to_vector();
    EXPECT_EQ(a, d->sample(r2).to_vector()) << d->name();
    EXPECT_NE(a, d->sample(r3).to_vector()) << d->name();
    // A second draw from the same generator continues the stream: different again.
    EXPECT_NE(a, d->sample(r1).to_vector()) << d->name();
  }
}

TEST(DistributionDeterminism, DrawsAFixedNumberOfRandomNumbers) {
  const int64_t B = 10;
  auto dists = one_of_each(B, 300);
  // Categorical: B uniforms; DiagGaussian: B*d normals; Bernoulli: B*d uniforms;
  // MultiCategorical: B*k uniforms.
  std::vector<std::function<void(nn::Rng&)>> expected = {
      [&](nn::Rng& r) {
        for (int64_t i = 0; i < B; ++i) r.uniform();
      },
      [&](nn::Rng& r) {
        for (int64_t i = 0; i < B * 3; ++i) r.normal();
      },
      [&](nn::Rng& r) {
        for (int64_t i = 0; i < B * 5; ++i) r.uniform();
      },
      [&](nn::Rng& r) {
        for (int64_t i = 0; i < B * 2; ++i) r.uniform();
      },
  };
  for (std::size_t i = 0; i < dists.size(); ++i) {
    nn::Rng used(9), reference(9);
    dists[i]->sample(used);
    expected[i](reference);
    for (int t = 0; t < 5; ++t)
      EXPECT_EQ(used.next_u32(), reference.next_u32()) << dists[i]->name();
  }
}

TEST(DistributionDeterminism, SamplesAreIdenticalOnEverySimdPath) {
  namespace k = nn::kernels;
  const k::Isa original = k::active_isa();
  std::vector<std::vector<float>> baseline;
  for (k::Isa isa : {k::Isa::scalar, k::Isa::avx2, k::Isa::avx512}) {
    if (!k::cpu_supports(isa)) continue;
    k::set_active_isa(isa);
    auto dists = one_of_each(50, 400);
    for (std::size_t i = 0; i < dists.size(); ++i) {
      nn::Rng rng(11);
      std::vector<float> s = dists[i]->sample(rng).to_vector();
      if (isa == k::Isa::scalar) {
        baseline.push_back(s);
      } else {
        EXPECT_EQ(s, baseline[i]) << dists[i]->name() << " on " << k::isa_name(isa);
      }
    }
  }
  k::set_active_isa(original);
}

// ================================================================================================
// Errors
// ================================================================================================

TEST(DistributionErrors, ShapeErrorsNameTheDistributionAndShapes) {
  using phantom::ShapeError;
  expect_throw_with<ShapeError>([] { nn::Categorical(Tensor::zeros(Shape{3})); },
                                {"Categorical", "[B, n]", "[3]"});
  expect_throw_with<ShapeError>(
      [] {
        nn::Categorical(Tensor::zeros(Shape{2, 0}));
      },
      {"Categorical", "[2, 0]"});
  expect_throw_with<ShapeError>(
      [] {
        nn::Categorical(Tensor::zeros(Shape{4, 3})).log_prob(Tensor::zeros(Shape{4, 2}));
      },
      {"Categorical::log_prob", "[4]", "[4, 3]", "[4, 2]"});
  expect_throw_with<ShapeError>(
      [] {
        nn::DiagGaussian(Tensor::zeros(Shape{2, 3}), Tensor::zeros(Shape{2}));
      },
      {"DiagGaussian", "log_std", "[2, 3]", "[2]"});
  expect_throw_with<ShapeError>(
      [] {
        nn::DiagGaussian(Tensor::zeros(Shape{2, 3}), Tensor::zeros(Shape{3, 3}));
      },
      {"DiagGaussian", "[3, 3]"});
  expect_throw_with<ShapeError>(
      [] { nn::DiagGaussian(Tensor::zeros(Shape{6}), Tensor::zeros(Shape{6})); },
      {"DiagGaussian", "mean", "[6]"});
  expect_throw_with<ShapeError>(
      [] {
        nn::DiagGaussian(Tensor::zeros(Shape{2, 3}), Tensor::zeros(Shape{3}))
            .log_prob(Tensor::zeros(Shape{2, 2}));
      },
      {"DiagGaussian::log_prob", "[2, 3]", "[2, 2]"});
  expect_throw_with<ShapeError>([] { nn::Bernoulli(Tensor::zeros(Shape{4})); },
                                {"Bernoulli", "[4]"});
  expect_throw_with<ShapeError>(
      [] {
        nn::Bernoulli(Tensor::zeros(Shape{2, 3})).log_prob(Tensor::zeros(Shape{3, 2}));
      },
      {"Bernoulli::log_prob", "[2, 3]", "[3, 2]"});
  expect_throw_with<ShapeError>(
      [] {
        nn::MultiCategorical(Tensor::zeros(Shape{2, 4}), {2, 3});
      },
      {"MultiCategorical", "[B, 5]", "[2, 4]"});
  expect_throw_with<ShapeError>(
      [] {
        nn::MultiCategorical(Tensor::zeros(Shape{2, 5}), {2, 3}).log_prob(Tensor::zeros(Shape{2}));
      },
      {"MultiCategorical::log_prob", "[2, 2]", "[2]"});
}

TEST(DistributionErrors, InvalidActionsNameTheRowAndValue) {
  using phantom::ValueError;
  nn::Categorical cat(Tensor::zeros(Shape{3, 3}));
  expect_throw_with<ValueError>(
      [&] {
        cat.log_prob(make({0, 3, 1}, Shape{3}));
      },
      {"Categorical::log_prob", "row 1", "action 3", "[0, 3)"});
  expect_throw_with<ValueError>(
      [&] {
        cat.log_prob(make({0, 1, 1.5f}, Shape{3}));
      },
      {"row 2", "action 1.5"});
  expect_throw_with<ValueError>(
      [&] {
        cat.log_prob(make({-1, 1, 1}, Shape{3}));
      },
      {"row 0", "action -1"});
  expect_throw_with<ValueError>(
      [&] {
        cat.log_prob(make({0, std::nanf(""), 1}, Shape{3}));
      },
      {"row 1", "nan"});

  nn::Bernoulli bern(Tensor::zeros(Shape{2, 3}));
  expect_throw_with<ValueError>(
      [&] {
        bern.log_prob(make({0, 1, 1, 1, 0, 0.5f}, Shape{2, 3}));
      },
      {"Bernoulli::log_prob", "row 1", "column 2", "action 0.5"});

  nn::MultiCategorical multi(Tensor::zeros(Shape{2, 5}), {2, 3});
  expect_throw_with<ValueError>(
      [&] {
        multi.log_prob(make({1, 2, 0, 3}, Shape{2, 2}));
      },
      {"MultiCategorical::log_prob", "row 1, component 1", "action 3", "[0, 3)"});
  expect_throw_with<ValueError>(
      [] {
        nn::MultiCategorical(Tensor::zeros(Shape{2, 0}), {});
      },
      {"MultiCategorical", "nvec"});
  expect_throw_with<ValueError>(
      [] {
        nn::MultiCategorical(Tensor::zeros(Shape{2, 2}), {2, 0});
      },
      {"MultiCategorical", "nvec[1] = 0"});
}

TEST(DistributionErrors, SamplingNaNLogitsNamesTheRow) {
  nn::Rng rng(3);
  nn::Categorical cat(make({0, 1, std::nanf(""), 0}, Shape{2, 2}));
  expect_throw_with<phantom::ValueError>([&] { cat.sample(rng); },
                                         {"Categorical::sample", "row 1"});
  nn::MultiCategorical multi(make({0, 1, 2, 0, 1, 2, 0, 1, std::nanf(""), 2}, Shape{2, 5}), {2, 3});
  expect_throw_with<phantom::ValueError>([&] { multi.sample(rng); },
                                         {"MultiCategorical::sample", "row 1, component 1"});
}

}  // namespace
