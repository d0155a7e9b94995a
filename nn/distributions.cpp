// Batched action distributions (see distributions.hpp for the interface and conventions).
//
// log_prob and entropy are compositions of nn ops, so their gradients come from the ops' own
// backward functions and need no code here. sample and mode are not differentiable and are
// written as direct loops over the parameters: that is clearer than a chain of ops, allocates
// nothing but the output, and fixes exactly how many random numbers each call draws.
//
// Transcendental functions in those loops use the nn kernels (our exp/sigmoid), one element at a
// time, rather than std::exp: the kernels give the same bits on every SIMD path and platform,
// which the determinism contract asks of sampling too.
#include "nn/distributions.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <utility>

#include "nn/error.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/tape.hpp"

namespace nn {
namespace {

// 0.5 * log(2 pi): the normalising constant of a standard normal density, per dimension.
constexpr double kHalfLog2Pi = 0.91893853320467274178;

// ---- Small helpers ---------------------------------------------------------------------------

float exp1(float x) {
  float y;
  kernels::exp(&x, &y, 1);
  return y;
}

float sigmoid1(float x) {
  float y;
  kernels::sigmoid(&x, &y, 1);
  return y;
}

// Samples and modes go where op results go: into the current tape's arena when a TapeScope is
// open (so a rollout step allocates nothing), else into owned memory. Not initialised.
Tensor data_tensor(const Shape& shape) {
  Tape* tape = Tape::current();
  return tape != nullptr ? tape->new_tensor(shape, false) : Tensor::zeros(shape);
}

// A tensor of one repeated value, placed like data_tensor.
Tensor constant(const Shape& shape, float value) {
  Tensor t = data_tensor(shape);
  t.fill(value);
  return t;
}

// Formats a float the short way (3.5, 7, nan) for error messages.
std::string fmt(float v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

[[noreturn]] void bad_shape(const std::string& what) {
  throw phantom::ShapeError(what);
}

// "row 3" or "row 3, component 1" (component < 0: none), for error messages.
std::string where(int64_t row, int64_t component) {
  std::string s = "row " + std::to_string(row);
  if (component >= 0) s += ", component " + std::to_string(component);
  return s;
}

// Throws ValueError unless `v` is an integer index in [0, n). `who` names the distribution and
// method; the message is only built when it is needed, so the check costs nothing otherwise.
void check_index(float v, int64_t n, const char* who, int64_t row, int64_t component = -1) {
  if (!(v >= 0.0f && v < static_cast<float>(n)) || v != std::floor(v)) {
    throw phantom::ValueError(std::string(who) + ": " + where(row, component) + ": action " +
                              fmt(v) + " is not an integer in [0, " + std::to_string(n) + ")");
  }
}

// ---- Categorical sampling --------------------------------------------------------------------

// Inverse-CDF sampling of one row of log-probabilities logp[0..n): with p_j = exp(logp_j) and
// u ~ U[0, 1), return the first j with  u * total < p_0 + ... + p_j,  total = sum_j p_j.
// total is 1 up to rounding; scaling u by it keeps every category reachable and the top of the
// CDF exact. Categories with p_j = 0 are never returned (the comparison is strict). Sums are in
// double so their rounding is negligible next to the 24-bit resolution of u. Returns -1 when the
// row has no valid probabilities (NaN or infinite logits).
int64_t sample_row(const float* logp, int64_t n, float u) {
  // The probabilities are computed a chunk at a time (one exp call per chunk, not per value);
  // exp gives the same bits however it is called, so both passes see the same p_j. A row of one
  // chunk (the usual few categories) keeps its p_j from the first pass for the second.
  constexpr int64_t kChunk = 64;
  const bool one_chunk = n <= kChunk;
  float p[kChunk];
  double total = 0.0;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t count = std::min(kChunk, n - begin);
    kernels::exp(logp + begin, p, count);
    for (int64_t j = 0; j < count; ++j) total += p[j];
  }
  if (!(total > 0.0) || !std::isfinite(total)) return -1;
  double target = static_cast<double>(u) * total, cum = 0.0;
  int64_t last_positive = -1;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t count = std::min(kChunk, n - begin);
    if (!one_chunk) kernels::exp(logp + begin, p, count);
    for (int64_t j = 0; j < count; ++j) {
      if (p[j] > 0.0f) last_positive = begin + j;
      cum += p[j];
      if (target < cum) return begin + j;
    }
  }
  // Unreachable in practice: the second pass repeats the first one's additions in the same order,
  // so cum ends at exactly total > target. Kept as a guard.
  return last_positive;
}

[[noreturn]] void throw_no_valid_probabilities(const char* who, int64_t row, int64_t component) {
  throw phantom::ValueError(std::string(who) + ": " + where(row, component) +
                            " has no valid probabilities (are its logits NaN or infinite?)");
}

// Samples every row of `logp` [B, n] into out[b * stride] (one rng.uniform() per row, in order).
// `who` and `component` (-1: none) name the caller in the error message.
void sample_rows(const Tensor& logp, Rng& rng, float* out, int64_t stride, const char* who,
                 int64_t component) {
  int64_t rows = logp.dim(0), n = logp.dim(1);
  const float* lp = logp.data();
  for (int64_t b = 0; b < rows; ++b) {
    int64_t j = sample_row(lp + b * n, n, rng.uniform());
    if (j < 0) throw_no_valid_probabilities(who, b, component);
    out[b * stride] = static_cast<float>(j);
  }
}

// The index of the first largest of x[0..n).
int64_t argmax_row(const float* x, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j)
    if (x[j] > x[best]) best = j;
  return best;
}

}  // namespace

void Distribution::sample_into(Rng& rng, float* actions, float* logp) const {
  const Tensor drawn = sample(rng);
  std::copy_n(drawn.data(), drawn.numel(), actions);
  if (logp) {
    const Tensor lp = log_prob(drawn);
    std::copy_n(lp.data(), batch_size(), logp);
  }
}

// =============================================================================================
// Categorical
//   p_j = softmax(l)_j = exp(l_j) / sum_i exp(l_i)        log p_j = l_j - logsumexp(l)
//   log_prob(a) = log p_a                                 H = -sum_j p_j log p_j
// log_softmax subtracts the row maximum first, so large logits do not overflow.
// =============================================================================================

Categorical::Categorical(const Tensor& logits) : logits_(logits) {
  if (logits.rank() != 2 || logits.dim(1) < 1) {
    bad_shape("Categorical: logits must have shape [B, n] with n >= 1, got " +
              logits.shape().to_string());
  }
  log_probs_ = log_softmax(logits_, -1);
}

Tensor Categorical::sample(Rng& rng) const {
  Tensor out = data_tensor(Shape{batch_size()});
  sample_rows(log_probs_, rng, out.data(), 1, "Categorical::sample", -1);
  return out;
}

void Categorical::sample_into(Rng& rng, float* actions, float* logp) const {
  const int64_t rows = batch_size(), n = num_categories();
  const float* lp = log_probs_.data();
  for (int64_t b = 0; b < rows; ++b) {
    const int64_t j = sample_row(lp + b * n, n, rng.uniform());
    if (j < 0) throw_no_valid_probabilities("Categorical::sample", b, -1);
    actions[b] = static_cast<float>(j);
    if (logp) logp[b] = lp[b * n + j];  // what log_prob() gathers
  }
}

Tensor Categorical::log_prob(const Tensor& actions) const {
  int64_t rows = batch_size(), n = num_categories();
  const Shape& s = actions.shape();
  bool column = s == Shape{rows, 1};
  if (s != Shape{rows} && !column) {
    bad_shape("Categorical::log_prob: actions must have shape [" + std::to_string(rows) +
              "] (or [" + std::to_string(rows) + ", 1]) to match logits " +
              logits_.shape().to_string() + ", got " + s.to_string());
  }
  const float* a = actions.data();
  for (int64_t b = 0; b < rows; ++b) check_index(a[b], n, "Categorical::log_prob", b);
  // log p_a = log_softmax(l)[a]: pick one element per row.
  return gather(log_probs_, column ? reshape(actions, Shape{rows}) : actions);
}

Tensor Categorical::entropy() const {
  // H = -sum_j p_j log p_j, with p = exp(log p) so both factors carry gradient.
  return neg(sum(mul(exp(log_probs_), log_probs_), -1));
}

Tensor Categorical::mode() const {
  return argmax(logits_);
}

Tensor Categorical::probs() const {
  return exp(log_probs_);
}

// =============================================================================================
// DiagGaussian, per dimension j (sigma_j = exp(log_std_j)), summed over j:
//   log N(x; mu, sigma) = -0.5 ((x - mu) / sigma)^2 - log sigma - 0.5 log(2 pi)
//   H = 0.5 + 0.5 log(2 pi) + log sigma
// Working with log_std keeps sigma positive without constraints and makes log sigma free.
// =============================================================================================

DiagGaussian::DiagGaussian(const Tensor& mean, const Tensor& log_std)
    : mean_(mean), log_std_(log_std) {
  if (mean.rank() != 2 || mean.dim(1) < 1) {
    bad_shape("DiagGaussian: mean must have shape [B, d] with d >= 1, got " +
              mean.shape().to_string());
  }
  int64_t rows = mean.dim(0), d = mean.dim(1);
  const Shape& s = log_std.shape();
  if (s != Shape{d} && s != Shape{1, d} && s != Shape{rows, d}) {
    bad_shape("DiagGaussian: log_std must have shape [" + std::to_string(d) + "], [1, " +
              std::to_string(d) + "] or " + mean.shape().to_string() + " to match mean " +
              mean.shape().to_string() + ", got " + s.to_string());
  }
}

Tensor DiagGaussian::sample(Rng& rng) const {
  int64_t rows = batch_size(), d = action_dim();
  bool shared = log_std_.numel() == d;  // one log_std row for every batch row
  Tensor out = data_tensor(mean_.shape());
  const float* mu = mean_.data();
  const float* ls = log_std_.data();
  float* o = out.data();
  // x = mu + sigma * eps, eps ~ N(0, 1): one rng.normal() per element, row-major.
  for (int64_t b = 0; b < rows; ++b) {
    for (int64_t j = 0; j < d; ++j) {
      float sigma = exp1(ls[shared ? j : b * d + j]);
      o[b * d + j] = mu[b * d + j] + sigma * rng.normal();
    }
  }
  return out;
}

Tensor DiagGaussian::log_prob(const Tensor& actions) const {
  if (actions.shape() != mean_.shape()) {
    bad_shape("DiagGaussian::log_prob: actions must have shape " + mean_.shape().to_string() +
              " to match mean, got " + actions.shape().to_string());
  }
  // z = (x - mu) / sigma = (x - mu) * exp(-log_std); a shared log_std broadcasts over rows.
  Tensor z = (actions - mean_) * exp(neg(log_std_));
  Tensor per_dim = mul_scalar(square(z), -0.5f) - log_std_;
  float constant_term = static_cast<float>(-kHalfLog2Pi * static_cast<double>(action_dim()));
  return add_scalar(sum(per_dim, -1), constant_term);
}

Tensor DiagGaussian::entropy() const {
  float constant_term = static_cast<float>((0.5 + kHalfLog2Pi) * static_cast<double>(action_dim()));
  if (log_std_.shape() == mean_.shape()) {
    return add_scalar(sum(log_std_, -1), constant_term);
  }
  // Shared log_std: every row has the same entropy; broadcast the one value to [B]. (The
  // gradient of log_std then sums over the rows, as it should.)
  return add(constant(Shape{batch_size()}, constant_term), sum(log_std_));
}

// =============================================================================================
// Bernoulli, per bit j (p = sigmoid(l)), summed over j. With softplus(l) = log(1 + exp(l)):
//   log p = -softplus(-l) = l - softplus(l)        log(1 - p) = -softplus(l)
//   log_prob(x) = x log p + (1 - x) log(1 - p) = x l - softplus(l)
//   H = -p log p - (1 - p) log(1 - p) = softplus(l) - p l
// Both forms stay finite for any logit, where log(sigmoid(l)) would give log(0) = -inf.
// =============================================================================================

Bernoulli::Bernoulli(const Tensor& logits) : logits_(logits) {
  if (logits.rank() != 2 || logits.dim(1) < 1) {
    bad_shape("Bernoulli: logits must have shape [B, d] with d >= 1, got " +
              logits.shape().to_string());
  }
}

Tensor Bernoulli::sample(Rng& rng) const {
  Tensor out = data_tensor(logits_.shape());
  const float* l = logits_.data();
  float* o = out.data();
  // x = [u < p], u ~ U[0, 1): P(x = 1) = p. One rng.uniform() per element, row-major.
  for (int64_t i = 0; i < logits_.numel(); ++i) o[i] = rng.uniform() < sigmoid1(l[i]) ? 1.0f : 0.0f;
  return out;
}

Tensor Bernoulli::log_prob(const Tensor& actions) const {
  if (actions.shape() != logits_.shape()) {
    bad_shape("Bernoulli::log_prob: actions must have shape " + logits_.shape().to_string() +
              " to match logits, got " + actions.shape().to_string());
  }
  int64_t d = action_dim();
  const float* x = actions.data();
  for (int64_t i = 0; i < actions.numel(); ++i) {
    if (x[i] != 0.0f && x[i] != 1.0f) {
      throw phantom::ValueError("Bernoulli::log_prob: row " + std::to_string(i / d) + ", column " +
                                std::to_string(i % d) + ": action " + fmt(x[i]) + " is not 0 or 1");
    }
  }
  return sum(actions * logits_ - softplus(logits_), -1);
}

Tensor Bernoulli::entropy() const {
  return sum(softplus(logits_) - sigmoid(logits_) * logits_, -1);
}

Tensor Bernoulli::mode() const {
  Tensor out = data_tensor(logits_.shape());
  const float* l = logits_.data();
  float* o = out.data();
  for (int64_t i = 0; i < logits_.numel(); ++i) o[i] = l[i] > 0.0f ? 1.0f : 0.0f;
  return out;
}

Tensor Bernoulli::probs() const {
  return sigmoid(logits_);
}

// =============================================================================================
// MultiCategorical: independent components, so
//   log p(x) = sum_i log p_i(x_i)        H = sum_i H_i
// Component i is a Categorical on its slice of the logit columns.
// =============================================================================================

MultiCategorical::MultiCategorical(const Tensor& logits, std::vector<int64_t> nvec)
    : logits_(logits), nvec_(std::move(nvec)) {
  if (nvec_.empty()) throw phantom::ValueError("MultiCategorical: nvec is empty");
  int64_t total = 0;
  for (std::size_t i = 0; i < nvec_.size(); ++i) {
    if (nvec_[i] < 1) {
      throw phantom::ValueError("MultiCategorical: nvec[" + std::to_string(i) +
                                "] = " + std::to_string(nvec_[i]) + " must be at least 1");
    }
    total += nvec_[i];
  }
  if (logits.rank() != 2 || logits.dim(1) != total) {
    bad_shape("MultiCategorical: logits must have shape [B, " + std::to_string(total) +
              "] (the sum of nvec), got " + logits.shape().to_string());
  }
  components_.reserve(nvec_.size());
  int64_t offset = 0;
  for (int64_t n : nvec_) {
    components_.emplace_back(slice(logits_, 1, offset, n));
    offset += n;
  }
}

Tensor MultiCategorical::sample(Rng& rng) const {
  int64_t k = action_dim();
  Tensor out = data_tensor(Shape{batch_size(), k});
  float* o = out.data();
  // Column i of the [B, k] output, rows strided by k; component by component.
  for (int64_t i = 0; i < k; ++i) {
    sample_rows(component(i).log_probs(), rng, o + i, k, "MultiCategorical::sample", i);
  }
  return out;
}

Tensor MultiCategorical::log_prob(const Tensor& actions) const {
  int64_t rows = batch_size(), k = action_dim();
  if (actions.shape() != Shape{rows, k}) {
    bad_shape("MultiCategorical::log_prob: actions must have shape [" + std::to_string(rows) +
              ", " + std::to_string(k) + "] to match logits " + logits_.shape().to_string() +
              " with " + std::to_string(k) + " components, got " + actions.shape().to_string());
  }
  const float* a = actions.data();
  for (int64_t b = 0; b < rows; ++b) {
    for (int64_t i = 0; i < k; ++i) {
      check_index(a[b * k + i], nvec_[static_cast<std::size_t>(i)], "MultiCategorical::log_prob", b,
                  i);
    }
  }
  Tensor total;
  for (int64_t i = 0; i < k; ++i) {
    Tensor column = reshape(slice(actions, 1, i, 1), Shape{rows});
    Tensor lp = component(i).log_prob(column);
    total = i == 0 ? lp : total + lp;
  }
  return total;
}

Tensor MultiCategorical::entropy() const {
  Tensor total = component(0).entropy();
  for (int64_t i = 1; i < action_dim(); ++i) total = total + component(i).entropy();
  return total;
}

Tensor MultiCategorical::mode() const {
  int64_t rows = batch_size(), k = action_dim(), width = logits_.dim(1);
  Tensor out = data_tensor(Shape{rows, k});
  const float* l = logits_.data();
  float* o = out.data();
  for (int64_t b = 0; b < rows; ++b) {
    int64_t offset = 0;
    for (int64_t i = 0; i < k; ++i) {
      int64_t n = nvec_[static_cast<std::size_t>(i)];
      o[b * k + i] = static_cast<float>(argmax_row(l + b * width + offset, n));
      offset += n;
    }
  }
  return out;
}

}  // namespace nn
