// The fused PPO loss of a Categorical head: forward values, statistics, and the hand-written
// backward pass.
//
// Notation per row r (B rows, n categories), as ppo_loss.hpp and Categorical define the loss:
//   lp = log_softmax(logits)   p = exp(lp)   logp = lp[a]   ent = -(sum_j p_j lp_j)
//   ratio = exp(logp - old)    unclipped = -A ratio         clipped = -A clamp(ratio, 1 -+ clip)
//   value error d = V - R      clipped value error d3 = old_V + clamp(V - old_V, -+ clip) - R
// The backward pass is the chain rule through exactly the nodes the composition records, taken
// in the tape's (reverse) order; each line notes the node whose backward function it mirrors.
// fma(x, y, 0) is how a node's backward adds x * y into a cleared gradient, and "+ 0.0f" how a
// fresh gradient takes its first contribution (it turns -0 into +0).
#include "trainers/ppo/ppo_categorical_loss.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include "nn/error.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/ops/op_support.hpp"
#include "phantom/format.hpp"

namespace phantom {
namespace {

namespace k = nn::kernels;

// What the forward pass keeps for the backward pass (arena arrays and the loss's settings).
struct Saved {
  const float* log_probs;  // [B, n] log-softmax of the logits
  const float* probs;      // [B, n] their exp
  const int64_t* index;    // [B] taken categories
  const float* neg_adv;    // [B] -A
  const float* ratio;      // [B]
  const float* d;          // [B] V - R
  const float* d2;         // [B] V - old_V (value clipping only)
  const float* d3;         // [B] clipped value error (value clipping only)
  float* work;             // backward scratch: work_floats(B, n)
  int64_t rows, cols;
  PpoLossConfig config;
  float share;
};

constexpr int kLanes = 16;  // the kernels' reduction lanes

// Scratch of the backward pass: three [B, n] arrays, row sums' lanes, four [B] arrays.
int64_t work_floats(int64_t rows, int64_t cols) {
  return 3 * rows * cols + kLanes * rows + 4 * rows;
}

// out[r] = kernels::sum(x + r * n, n) for each of the rows, in the kernels' fixed order (element
// j into lane j % 16 starting from +0, then the pairwise tree lane l += lane l + w for w = 8, 4,
// 2, 1), computed for all rows at once: lane j of every row is one column of `lanes`, and the tree
// adds whole columns. A lane that received nothing is +0 and the others are never -0, so the
// additions of empty lanes change nothing and are skipped (two categories: one addition per
// row). Rows longer than 16 go to kernels::sum. `lanes` holds 16 * rows floats.
void row_sums(const float* x, int64_t rows, int64_t n, float* lanes, float* out) {
  if (n > kLanes) {
    for (int64_t r = 0; r < rows; ++r) out[r] = k::sum(x + r * n, n);
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    float* lane = lanes + j * rows;
    for (int64_t r = 0; r < rows; ++r) lane[r] = 0.0f + x[r * n + j];
  }
  int64_t live = n;  // lanes [0, live) hold values
  for (int64_t w = kLanes / 2; w >= 1; w /= 2) {
    for (int64_t l = 0; l + w < live; ++l) {
      float* to = lanes + l * rows;
      const float* from = lanes + (l + w) * rows;
      for (int64_t r = 0; r < rows; ++r) to[r] = to[r] + from[r];
    }
    if (live > w) live = w;
  }
  std::memcpy(out, lanes, static_cast<std::size_t>(rows) * sizeof(float));
}

// The gradient a select (maximum) node gives the side holding `mine` against `other`.
float select_grad(float mine, float other, float g) {
  return mine > other ? g : (mine == other ? 0.5f * g : 0.0f);
}

// clamp's kernel: NaN stays NaN.
float clamp_value(float x, float lo, float hi) {
  const float v = x < lo ? lo : x;
  return v > hi ? hi : v;
}

// out = fma(x, y, +0) per element: a product added into a cleared gradient.
void product_into_zero(const float* x, const float* y, float* out, int64_t n) {
  std::memset(out, 0, static_cast<std::size_t>(n) * sizeof(float));
  k::acc_mul(x, y, out, n);
}

void backward(const nn::Node& node) {
  const Saved& s = node.args<Saved>();
  const PpoLossConfig& c = s.config;
  const int64_t B = s.rows, n = s.cols, all = B * n;
  const float inv_b = 1.0f / static_cast<float>(B);  // a mean node's scale

  // The scalar chain: total = (pl - ec * em) + vc * vl, times share.
  const float g_root = node.out.grad()[0];
  const float g_total = s.share != 1.0f ? std::fma(g_root, s.share, 0.0f) : g_root;  // mul_scalar
  const float g_left = g_total + 0.0f, g_right = g_total + 0.0f;                     // add
  const float g_vl = std::fma(g_right, c.value_coef, 0.0f);  // mul_scalar(value_coef)
  const float g_pl = g_left + 0.0f;                          // sub: left side
  const float g_t1 = g_left * -1.0f + 0.0f;                  // sub: right side, negated
  const float g_em = std::fma(g_t1, c.entropy_coef, 0.0f);   // mul_scalar(entropy_coef)
  const float g_ent = 0.0f + g_em * inv_b;                   // mean(entropy), each row
  const float g_m2 = std::fma(g_vl, 0.5f, 0.0f);             // mul_scalar(0.5)
  const float g_vrow = 0.0f + g_m2 * inv_b;                  // mean of the value terms, each row
  const float g_prow = 0.0f + g_pl * inv_b;                  // mean of the surrogates, each row

  float* g_p = s.work;            // [B, n] p's gradient
  float* g_lp = g_p + all;        // [B, n] lp's gradient
  float* spread = g_lp + all;     // [B, n] each row's sum of g_lp, negated, over the row
  float* lanes = spread + all;    // 16 [B]
  float* a = lanes + kLanes * B;  // four [B]
  float* b = a + B;
  float* g1 = b + B;
  float* g2 = g1 + B;

  // ---- Values: V feeds sub(V, R) -> square -> (maximum) and, with value clipping,
  // sub(V, old_V) -> clamp -> add(old_V, .) -> sub(., R) -> square -> maximum ----
  if (node.in[1].requires_grad()) {
    if (c.clip_value_loss) {
      for (int64_t r = 0; r < B; ++r) {
        const float ve = s.d[r] * s.d[r], sq = s.d3[r] * s.d3[r];
        a[r] = select_grad(sq, ve, g_vrow) + 0.0f;  // maximum: the clipped error
        b[r] = s.d3[r] + s.d3[r];                   // square's 2x
      }
      product_into_zero(a, b, g1, B);  // square: d3's gradient
      const float lo = -c.clip, hi = c.clip;
      for (int64_t r = 0; r < B; ++r) {
        const float g_c2 = (g1[r] + 0.0f) + 0.0f;                     // sub, then add
        g1[r] = s.d2[r] >= lo && s.d2[r] <= hi ? 0.0f + g_c2 : 0.0f;  // clamp: d2's gradient
        const float ve = s.d[r] * s.d[r], sq = s.d3[r] * s.d3[r];
        a[r] = select_grad(ve, sq, g_vrow) + 0.0f;  // maximum: the plain error
      }
    } else {
      for (int64_t r = 0; r < B; ++r) a[r] = g_vrow;  // mean: the plain error
    }
    for (int64_t r = 0; r < B; ++r) b[r] = s.d[r] + s.d[r];
    product_into_zero(a, b, g2, B);  // square: d's gradient
    // V's gradient takes d2's (sub(V, old_V) runs first, backwards), then d's.
    bool assign = false;
    float* dv = nn::TensorAccess::grad_for_contribution(node.in[1], &assign);
    if (c.clip_value_loss) {
      for (int64_t r = 0; r < B; ++r) dv[r] = (assign ? g1[r] + 0.0f : dv[r] + g1[r]) + g2[r];
    } else {
      for (int64_t r = 0; r < B; ++r) dv[r] = assign ? g2[r] + 0.0f : dv[r] + g2[r];
    }
  }
  if (!node.in[0].requires_grad()) return;

  // ---- Surrogates: maximum(unclipped, clipped); clipped = mul(-A, clamp(ratio)), unclipped =
  // mul(-A, ratio); ratio = exp(log_ratio); log_ratio = sub(logp, old) ----
  const float lo = 1.0f - c.clip, hi = 1.0f + c.clip;
  for (int64_t r = 0; r < B; ++r) {
    const float unclipped = s.neg_adv[r] * s.ratio[r];
    const float clipped = s.neg_adv[r] * clamp_value(s.ratio[r], lo, hi);
    a[r] = select_grad(clipped, unclipped, g_prow) + 0.0f;
    b[r] = select_grad(unclipped, clipped, g_prow) + 0.0f;
  }
  product_into_zero(a, s.neg_adv, g1, B);  // mul: the clamped ratio's gradient
  for (int64_t r = 0; r < B; ++r) {        // clamp: the ratio's first contribution
    g1[r] = s.ratio[r] >= lo && s.ratio[r] <= hi ? 0.0f + g1[r] : 0.0f;
  }
  k::acc_mul(b, s.neg_adv, g1, B);        // mul: the ratio's second contribution
  product_into_zero(g1, s.ratio, g2, B);  // exp: the log-ratio's gradient; sub passes it to logp

  // ---- Categorical: entropy = neg(sum(mul(exp(lp), lp))), logp = gather(lp), lp =
  // log_softmax(logits) ----
  const float g_each = 0.0f + std::fma(g_ent, -1.0f, 0.0f);  // neg, then sum's backward
  std::memset(g_p, 0, 2 * static_cast<std::size_t>(all) * sizeof(float));
  k::acc_scaled(s.log_probs, g_each, g_p, all);  // mul: p's side
  k::acc_scaled(s.probs, g_each, g_lp, all);     // mul: lp's side
  k::acc_mul(g_p, s.probs, g_lp, all);           // exp
  for (int64_t r = 0; r < B; ++r) {              // gather
    float& g = g_lp[r * n + s.index[r]];
    g = g + (g2[r] + 0.0f);
  }
  // log_softmax: dx = g - exp(y) * sum(g) per row, g added to the gradient first.
  row_sums(g_lp, B, n, lanes, a);
  for (int64_t r = 0; r < B; ++r) {
    for (int64_t j = 0; j < n; ++j) spread[r * n + j] = -a[r];
  }
  bool assign = false;
  float* dl = nn::TensorAccess::grad_for_contribution(node.in[0], &assign);
  if (assign) {
    for (int64_t i = 0; i < all; ++i) dl[i] = 0.0f + g_lp[i];
  } else {
    k::acc(g_lp, dl, all);
  }
  k::acc_mul(s.probs, spread, dl, all);
}

void check_rows(const nn::Tensor& t, int64_t rows, const char* name) {
  const bool ok = t.numel() == rows && (t.rank() == 1 || (t.rank() == 2 && t.dim(1) == 1));
  if (!ok) {
    throw ShapeError(std::string("ppo_categorical_loss: ") + name + " must have shape [" +
                     std::to_string(rows) + "] to match the logits' rows, got " +
                     t.shape().to_string());
  }
}

}  // namespace

PpoLoss ppo_categorical_loss(const nn::Tensor& logits, const nn::Tensor& values,
                             const nn::Tensor& actions, float action_start,
                             const nn::Tensor& old_log_prob, const nn::Tensor& advantages,
                             const nn::Tensor& returns, const nn::Tensor& old_values,
                             const PpoLossConfig& config, float share) {
  nn::Tape* tape = nn::Tape::current();
  if (tape == nullptr) throw ConfigError("ppo_categorical_loss needs an open nn::TapeScope");
  if (logits.rank() != 2 || logits.dim(1) < 1) {
    throw ShapeError("ppo_categorical_loss: logits must have shape [B, n] with n >= 1, got " +
                     logits.shape().to_string());
  }
  const int64_t B = logits.dim(0), n = logits.dim(1), all = B * n;
  check_rows(values, B, "values");
  check_rows(actions, B, "actions");
  check_rows(old_log_prob, B, "old_log_prob");
  check_rows(advantages, B, "advantages");
  check_rows(returns, B, "returns");
  check_rows(old_values, B, "old_values");
  auto floats = [&](int64_t count) { return tape->allocate_floats(count); };

  // Categorical: log-softmax, the taken categories' log-probabilities, the entropy.
  float* lp = floats(all);
  float* p = floats(all);
  k::log_softmax_rows(logits.data(), B, n, lp);
  k::exp(lp, p, all);
  auto* index =
      static_cast<int64_t*>(tape->allocate_bytes(static_cast<std::size_t>(B) * sizeof(int64_t)));
  const float* act = actions.data();
  float* log_ratio = floats(B);
  float* ratio = floats(B);
  float* neg_adv = floats(B);
  float* ent = floats(B);
  float* row = floats(all);  // p * lp, then reused below
  k::mul(p, lp, row, all);
  const float* old = old_log_prob.data();
  const float* adv = advantages.data();
  for (int64_t r = 0; r < B; ++r) {
    const float v = act[r] + -action_start;  // add_scalar(actions, -start)
    // In range, an integer is one that survives truncation (floor's answer for v >= 0).
    if (!(v >= 0.0f && v < static_cast<float>(n)) ||
        static_cast<float>(static_cast<int64_t>(v)) != v) {
      throw ValueError("ppo_categorical_loss: row " + std::to_string(r) + ": action " +
                       float_string(act[r]) + " is not an integer in [" +
                       float_string(action_start) + ", " +
                       float_string(action_start + static_cast<float>(n)) + ")");
    }
    index[r] = static_cast<int64_t>(v);
    log_ratio[r] = lp[r * n + index[r]] - old[r];
    neg_adv[r] = adv[r] * -1.0f;
  }
  row_sums(row, B, n, floats(kLanes * B), ent);
  for (int64_t r = 0; r < B; ++r) ent[r] = ent[r] * -1.0f;
  k::exp(log_ratio, ratio, B);

  // The surrogate, its mean, and the value terms.
  const float lo = 1.0f - config.clip, hi = 1.0f + config.clip;
  float* terms = row;  // B surrogate terms, then B value terms
  for (int64_t r = 0; r < B; ++r) {
    const float unclipped = neg_adv[r] * ratio[r];
    const float clipped = neg_adv[r] * clamp_value(ratio[r], lo, hi);
    terms[r] = clipped > unclipped ? clipped : unclipped;
  }
  const float fb = static_cast<float>(B);
  const float policy_loss = k::sum(terms, B) / fb;
  float* d = floats(B);
  float* d2 = config.clip_value_loss ? floats(B) : nullptr;
  float* d3 = config.clip_value_loss ? floats(B) : nullptr;
  const float* v = values.data();
  const float* ret = returns.data();
  const float* old_v = old_values.data();
  for (int64_t r = 0; r < B; ++r) {
    d[r] = v[r] - ret[r];
    const float error = d[r] * d[r];
    terms[r] = error;
    if (config.clip_value_loss) {
      d2[r] = v[r] - old_v[r];
      d3[r] = (old_v[r] + clamp_value(d2[r], -config.clip, config.clip)) - ret[r];
      const float clipped_error = d3[r] * d3[r];
      terms[r] = clipped_error > error ? clipped_error : error;
    }
  }
  const float value_loss = (k::sum(terms, B) / fb) * 0.5f;
  const float entropy = k::sum(ent, B) / fb;
  float total = (policy_loss - entropy * config.entropy_coef) + value_loss * config.value_coef;
  if (share != 1.0f) total = total * share;

  PpoLoss out;
  const bool grad = nn::detail::needs_grad(logits, values);
  out.total = nn::detail::make_output(nn::Shape{}, grad);
  out.total.data()[0] = total;
  out.policy_loss = policy_loss;
  out.value_loss = value_loss;
  out.entropy = entropy;
  set_ppo_diagnostics(log_ratio, ratio, B, config.clip, out);
  if (grad) {
    nn::Node& node = nn::detail::record(backward, "ppo_categorical_loss", out.total);
    node.in[0] = logits;
    node.in[1] = values;
    tape->set_args(node, Saved{lp, p, index, neg_adv, ratio, d, d2, d3, floats(work_floats(B, n)),
                               B, n, config, share});
  }
  return out;
}

}  // namespace phantom
