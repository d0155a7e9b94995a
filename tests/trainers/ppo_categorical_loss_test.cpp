// The fused Categorical PPO loss against the composition it replaces (Categorical + ppo_loss):
// the same loss, statistics and gradients bit for bit, whichever settings, and gradients that
// agree with finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "nn/distributions.hpp"
#include "nn/error.hpp"
#include "nn/ops.hpp"
#include "nn/rng.hpp"
#include "nn/tape.hpp"
#include "trainers/ppo/ppo_categorical_loss.hpp"

namespace {

// One minibatch: logits [B, n] and values [B] as trainable leaves, and the per-row constants.
struct Batch {
  nn::Tensor logits, values, actions, old_log_prob, advantages, returns, old_values;
  float start = 0.0f;
};

nn::Tensor leaf(const std::vector<float>& v, const nn::Shape& shape) {
  nn::Tensor t = nn::Tensor::from_vector(v, shape);
  t.set_requires_grad();
  return t;
}

// Random rows; some rows tie the clipped and unclipped terms exactly (old log-prob equal to the
// current one, old value equal to the current one), where the maximum splits its gradient.
Batch make_batch(int64_t rows, int64_t n, float start, uint64_t seed) {
  nn::Rng rng(seed);
  std::vector<float> logits(static_cast<std::size_t>(rows * n)), values(rows), actions(rows),
      old_lp(rows), adv(rows), ret(rows), old_v(rows);
  for (float& l : logits) l = rng.uniform(-2.0f, 2.0f);
  std::vector<float> lp(logits.size());
  nn::kernels::log_softmax_rows(logits.data(), rows, n, lp.data());
  for (int64_t r = 0; r < rows; ++r) {
    const auto i = static_cast<std::size_t>(r);
    const int64_t a = rng.uniform_int(0, n);
    actions[i] = static_cast<float>(a) + start;
    const float current = lp[static_cast<std::size_t>(r * n + a)];
    old_lp[i] = r % 5 == 0 ? current : current + rng.uniform(-0.5f, 0.5f);
    adv[i] = rng.uniform(-2.0f, 2.0f);
    values[i] = rng.uniform(-3.0f, 3.0f);
    old_v[i] = r % 7 == 0 ? values[i] : values[i] + rng.uniform(-0.6f, 0.6f);
    ret[i] = values[i] + rng.uniform(-2.0f, 2.0f);
  }
  Batch b;
  b.logits = leaf(logits, {rows, n});
  b.values = leaf(values, {rows});
  b.actions = nn::Tensor::from_vector(actions, {rows, 1});
  b.old_log_prob = nn::Tensor::from_vector(old_lp, {rows});
  b.advantages = nn::Tensor::from_vector(adv, {rows});
  b.returns = nn::Tensor::from_vector(ret, {rows});
  b.old_values = nn::Tensor::from_vector(old_v, {rows});
  b.start = start;
  return b;
}

struct Result {
  phantom::PpoLoss loss;
  float total = 0;
  std::vector<float> d_logits, d_values;
};

// Runs one form of the loss and its backward pass. With `through_ops` the head's outputs are op
// results on the tape (fresh gradients, as a network's outputs are), else the leaves themselves
// (gradients that already hold a value, here 0.25 everywhere).
Result run(const Batch& b, const phantom::PpoLossConfig& config, float share, bool fused,
           bool through_ops) {
  nn::Tensor logits = b.logits, values = b.values;
  for (nn::Tensor* t : {&logits, &values}) {
    t->zero_grad();
    if (!through_ops) {
      float* g = t->grad();
      for (int64_t i = 0; i < t->numel(); ++i) g[i] = 0.25f;
    }
  }
  nn::Tape tape;
  nn::TapeScope scope(tape);
  if (through_ops) {
    logits = nn::mul_scalar(logits, 1.0f);
    values = nn::mul_scalar(values, 1.0f);
  }
  Result out;
  const int64_t rows = b.logits.dim(0);
  if (fused) {
    out.loss = phantom::ppo_categorical_loss(logits, values, b.actions, b.start, b.old_log_prob,
                                             b.advantages, b.returns, b.old_values, config, share);
  } else {
    nn::Categorical dist(logits);
    nn::Tensor index = nn::reshape(b.actions, {rows});
    if (b.start != 0.0f) index = nn::add_scalar(index, -b.start);
    phantom::Evaluation e{dist.log_prob(index), dist.entropy(), values};
    out.loss =
        phantom::ppo_loss(e, b.old_log_prob, b.advantages, b.returns, b.old_values, config, share);
  }
  out.total = out.loss.total.item();
  out.loss.total.backward();
  out.d_logits = b.logits.grad_tensor().to_vector();
  out.d_values = b.values.grad_tensor().to_vector();
  return out;
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

void expect_same_bits(const std::vector<float>& want, const std::vector<float>& got,
                      const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(bits(want[i]), bits(got[i]))
        << what << " element " << i << ": composition " << want[i] << ", fused " << got[i];
  }
}

TEST(PpoCategoricalLoss, EqualsTheCompositionBitForBit) {
  for (int64_t n : {2, 5, 17, 33}) {  // 17 and 33 categories fill more than one lane per row
    for (float start : {0.0f, 3.0f}) {
      for (bool clip_value : {true, false}) {
        for (float share : {1.0f, 0.375f}) {
          for (bool through_ops : {true, false}) {
            const std::string where =
                "n " + std::to_string(n) + ", start " + std::to_string(start) + ", clip_value " +
                std::to_string(clip_value) + ", share " + std::to_string(share) + ", through_ops " +
                std::to_string(through_ops);
            Batch b = make_batch(37, n, start, static_cast<uint64_t>(n * 10 + clip_value));
            phantom::PpoLossConfig config;
            config.clip_value_loss = clip_value;
            config.entropy_coef = 0.05f;
            Result want = run(b, config, share, false, through_ops);
            Result got = run(b, config, share, true, through_ops);
            EXPECT_EQ(bits(want.total), bits(got.total)) << where;
            EXPECT_EQ(bits(want.loss.policy_loss), bits(got.loss.policy_loss)) << where;
            EXPECT_EQ(bits(want.loss.value_loss), bits(got.loss.value_loss)) << where;
            EXPECT_EQ(bits(want.loss.entropy), bits(got.loss.entropy)) << where;
            EXPECT_EQ(bits(want.loss.approx_kl), bits(got.loss.approx_kl)) << where;
            EXPECT_EQ(bits(want.loss.clip_fraction), bits(got.loss.clip_fraction)) << where;
            expect_same_bits(want.d_logits, got.d_logits, "logits' gradient, " + where);
            expect_same_bits(want.d_values, got.d_values, "values' gradient, " + where);
          }
        }
      }
    }
  }
}

// Central differences in double around each input, on rows away from the clipping kinks.
TEST(PpoCategoricalLoss, GradientsMatchFiniteDifferences) {
  const int64_t rows = 6, n = 3;
  Batch b = make_batch(rows, n, 0.0f, 11);
  {  // old log-probs near the current ones and old values far away: smooth everywhere
    float* old_lp = b.old_log_prob.data();
    float* old_v = b.old_values.data();
    std::vector<float> lp(static_cast<std::size_t>(rows * n));
    nn::kernels::log_softmax_rows(b.logits.data(), rows, n, lp.data());
    for (int64_t r = 0; r < rows; ++r) {
      old_lp[r] = lp[static_cast<std::size_t>(r * n + static_cast<int64_t>(b.actions.data()[r]))] +
                  0.01f * static_cast<float>(r % 3 - 1);
      old_v[r] = b.values.data()[r] + (r % 2 ? 5.0f : -5.0f);
    }
  }
  phantom::PpoLossConfig config;
  config.entropy_coef = 0.1f;
  Result analytic = run(b, config, 1.0f, true, true);
  auto loss_at = [&]() {
    nn::Tape tape;
    nn::TapeScope scope(tape);
    return phantom::ppo_categorical_loss(b.logits, b.values, b.actions, 0.0f, b.old_log_prob,
                                         b.advantages, b.returns, b.old_values, config)
        .total.item();
  };
  const float h = 1e-2f;
  for (auto [tensor, grad] :
       {std::pair{&b.logits, &analytic.d_logits}, std::pair{&b.values, &analytic.d_values}}) {
    for (int64_t i = 0; i < tensor->numel(); ++i) {
      float* x = tensor->data();
      const float keep = x[i];
      x[i] = keep + h;
      const double up = loss_at();
      x[i] = keep - h;
      const double down = loss_at();
      x[i] = keep;
      const double numeric = (up - down) / (2.0 * h);
      EXPECT_NEAR((*grad)[static_cast<std::size_t>(i)], numeric, 2e-3)
          << (tensor == &b.logits ? "logit " : "value ") << i;
    }
  }
}

TEST(PpoCategoricalLoss, RejectsActionsOutsideTheCategoriesAndNeedsATape) {
  Batch b = make_batch(4, 3, 1.0f, 5);
  b.actions.data()[2] = 4.0f;  // categories 1..3
  phantom::PpoLossConfig config;
  {
    nn::Tape tape;
    nn::TapeScope scope(tape);
    try {
      phantom::ppo_categorical_loss(b.logits, b.values, b.actions, 1.0f, b.old_log_prob,
                                    b.advantages, b.returns, b.old_values, config);
      FAIL() << "an action outside [1, 4) was accepted";
    } catch (const phantom::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("row 2: action 4 is not an integer in [1, 4)"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(phantom::ppo_categorical_loss(b.logits, b.values, b.actions, 1.0f, b.old_log_prob,
                                             b.advantages, b.returns, b.old_values, config),
               phantom::ConfigError);
}

}  // namespace
