// PPO building blocks: GAE against a plain reference, the loss against hand-computed values,
// and the actor-critic heads (acting and evaluation agree on log-probabilities).
#include <gtest/gtest.h>

#include <cmath>

#include "nn/ops.hpp"
#include "trainers/ppo/actor_critic.hpp"
#include "trainers/ppo/gae.hpp"
#include "trainers/ppo/ppo_loss.hpp"

namespace {

// The textbook recursion for one stream, in double.
std::vector<double> reference_gae(const std::vector<float>& r, const std::vector<float>& v,
                                  const std::vector<float>& next_v, const std::vector<char>& end,
                                  double gamma, double lambda) {
  std::vector<double> adv(r.size());
  double running = 0.0;
  for (std::size_t k = r.size(); k-- > 0;) {
    double delta = r[k] + gamma * next_v[k] - v[k];
    running = delta + (end[k] ? 0.0 : gamma * lambda * running);
    adv[k] = running;
  }
  return adv;
}

TEST(Gae, MatchesTheRecursionOnOneStream) {
  std::vector<float> r = {1, 0, 2, 1, 0}, v = {0.5f, 0.2f, 1.0f, 0.3f, 0.1f};
  std::vector<float> next_v = {0.2f, 1.0f, 0.0f, 0.1f, 0.7f};  // step 2 terminates
  std::vector<char> end = {0, 0, 1, 0, 0};
  std::vector<int32_t> streams(5, 0);
  std::vector<float> adv(5), ret(5), scratch;
  phantom::compute_gae(r.data(), v.data(), next_v.data(), end.data(), streams.data(), 5, 1, 0.9f,
                       0.8f, adv.data(), ret.data(), scratch);
  std::vector<double> want = reference_gae(r, v, next_v, end, 0.9, 0.8);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_NEAR(adv[k], want[k], 1e-5) << k;
    EXPECT_NEAR(ret[k], want[k] + v[k], 1e-5) << k;
  }
  // At an episode end the chain is cut: A_2 is its own TD error.
  EXPECT_NEAR(adv[2], 2.0f - 1.0f, 1e-6);
}

// Truncation bootstraps from the final observation's value; termination does not.
TEST(Gae, TruncationBootstrapsTerminationDoesNot) {
  std::vector<float> r = {1}, v = {3};
  std::vector<char> end = {1};
  std::vector<int32_t> s = {0};
  std::vector<float> adv(1), ret(1), scratch;
  std::vector<float> truncated_next = {4}, terminated_next = {0};
  phantom::compute_gae(r.data(), v.data(), truncated_next.data(), end.data(), s.data(), 1, 1, 0.5f,
                       0.9f, adv.data(), ret.data(), scratch);
  EXPECT_FLOAT_EQ(ret[0], 1.0f + 0.5f * 4.0f);
  phantom::compute_gae(r.data(), v.data(), terminated_next.data(), end.data(), s.data(), 1, 1, 0.5f,
                       0.9f, adv.data(), ret.data(), scratch);
  EXPECT_FLOAT_EQ(ret[0], 1.0f);
}

// Interleaved streams give the same advantages as each stream alone.
TEST(Gae, InterleavedStreamsAreIndependent) {
  std::vector<float> r = {1, 5, 2, 6, 3, 7}, v = {0.1f, 0.5f, 0.2f, 0.6f, 0.3f, 0.7f};
  std::vector<float> nv = {0.2f, 0.6f, 0.3f, 0.7f, 0.9f, 0.0f};
  std::vector<char> end = {0, 0, 0, 0, 0, 1};
  std::vector<int32_t> s = {0, 1, 0, 1, 0, 1};
  std::vector<float> adv(6), ret(6), scratch;
  phantom::compute_gae(r.data(), v.data(), nv.data(), end.data(), s.data(), 6, 2, 0.99f, 0.95f,
                       adv.data(), ret.data(), scratch);
  for (int stream = 0; stream < 2; ++stream) {
    std::vector<float> rs, vs, nvs;
    std::vector<char> es;
    for (std::size_t k = 0; k < 6; ++k) {
      if (s[k] != stream) continue;
      rs.push_back(r[k]);
      vs.push_back(v[k]);
      nvs.push_back(nv[k]);
      es.push_back(end[k]);
    }
    std::vector<double> want = reference_gae(rs, vs, nvs, es, 0.99, 0.95);
    for (std::size_t j = 0; j < want.size(); ++j)
      EXPECT_NEAR(adv[2 * j + static_cast<std::size_t>(stream)], want[j], 1e-5);
  }
}

nn::Tensor vec(std::vector<float> v) {
  auto n = static_cast<int64_t>(v.size());
  return nn::Tensor::from_vector(v, {n});
}

TEST(PpoLoss, MatchesHandComputedValues) {
  phantom::Evaluation e;
  e.log_prob =
      vec({std::log(1.5f), std::log(0.5f), 0.0f});  // old log-probs are 0: ratios 1.5, 0.5, 1
  e.entropy = vec({1.0f, 2.0f, 3.0f});
  e.value = vec({1.0f, 2.0f, 0.0f});
  nn::Tensor old_lp = vec({0, 0, 0}), adv = vec({1.0f, 1.0f, -2.0f});
  nn::Tensor ret = vec({2.0f, 2.0f, 1.0f}), old_v = vec({0.5f, 2.0f, 0.0f});
  phantom::PpoLossConfig c;
  c.clip = 0.2f;
  c.clip_value_loss = false;
  phantom::PpoLoss l = phantom::ppo_loss(e, old_lp, adv, ret, old_v, c);
  // Surrogates: row 0 min(1.5, 1.2)*1 = 1.2; row 1 min(0.5, 0.8) = 0.5; row 2 (-2)*1 = -2.
  EXPECT_NEAR(l.policy_loss, -(1.2 + 0.5 - 2.0) / 3.0, 1e-6);
  EXPECT_NEAR(l.value_loss, 0.5 * (1.0 + 0.0 + 1.0) / 3.0, 1e-6);
  EXPECT_NEAR(l.entropy, 2.0, 1e-6);
  EXPECT_NEAR(l.clip_fraction, 2.0 / 3.0, 1e-6);
  EXPECT_NEAR(l.total.item(), l.policy_loss - 0.01 * 2.0 + 0.5 * l.value_loss, 1e-6);
  // Value clipping: row 0's value moved by 0.5 > clip from 0.5, so its clipped error (0.7 - 2)^2
  // = 1.69 is larger and counts.
  c.clip_value_loss = true;
  phantom::PpoLoss lc = phantom::ppo_loss(e, old_lp, adv, ret, old_v, c);
  EXPECT_NEAR(lc.value_loss, 0.5 * (1.69 + 0.0 + 1.0) / 3.0, 1e-5);
}

// For every head, the log-probability act() reports equals evaluate()'s for the same action,
// and deterministic acting picks the mode.
void check_head(phantom::SpacePtr action_space, bool shared_trunk = false) {
  nn::Rng init(3), rng(4);
  phantom::ActorCriticConfig config;
  config.shared_trunk = shared_trunk;
  phantom::ActorCritic net(phantom::box(-1, 1, {3}), action_space, config, init);
  const int64_t rows = 5;
  std::vector<float> features(static_cast<std::size_t>(rows * 3));
  for (float& f : features) f = rng.uniform(-1.0f, 1.0f);
  std::vector<float> actions(static_cast<std::size_t>(rows * net.action_size())), lp(rows),
      values(rows);
  phantom::ActWorkspace ws;
  net.act(features.data(), rows, false, rng, {actions.data(), lp.data(), values.data()}, ws);
  nn::Tape tape;
  nn::TapeScope scope(tape);
  phantom::Evaluation e = net.evaluate(nn::Tensor::from_vector(features, {rows, 3}),
                                       nn::Tensor::from_vector(actions, {rows, net.action_size()}));
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_NEAR(e.log_prob.data()[r], lp[static_cast<std::size_t>(r)], 1e-4)
        << action_space->to_string();
    EXPECT_FLOAT_EQ(e.value.data()[r], values[static_cast<std::size_t>(r)]);
  }
  std::vector<float> a0(actions.size()), a1(actions.size());
  net.act(features.data(), rows, true, rng, {a0.data(), lp.data(), values.data()}, ws);
  net.act(features.data(), rows, true, rng, {a1.data(), lp.data(), values.data()}, ws);
  EXPECT_EQ(a0, a1);
}

TEST(ActorCritic, ActingAndEvaluationAgreeForEveryHead) {
  check_head(phantom::discrete(4, 2));
  check_head(phantom::box(-2, 2, {2}));
  check_head(phantom::multi_discrete({3, 2}));
  check_head(phantom::multi_binary(3));
  // A shared trunk: acting (kernels) and evaluation (ops) must still agree.
  check_head(phantom::discrete(3), /*shared_trunk=*/true);
  check_head(phantom::box(-1, 1, {2}), /*shared_trunk=*/true);
}

TEST(ActorCritic, SharedTrunkHasFewerParameters) {
  nn::Rng a(1), b(1);
  phantom::ActorCriticConfig shared;
  shared.shared_trunk = true;
  phantom::ActorCritic separate_net(phantom::box(-1, 1, {4}), phantom::discrete(2), {}, a);
  phantom::ActorCritic shared_net(phantom::box(-1, 1, {4}), phantom::discrete(2), shared, b);
  // Separate: two 4->64->64 towers + heads; shared: one trunk + two heads.
  EXPECT_EQ(nn::count_parameters(separate_net.parameters()),
            2 * (4 * 64 + 64 + 64 * 64 + 64) + (64 * 2 + 2) + (64 + 1));
  EXPECT_EQ(nn::count_parameters(shared_net.parameters()),
            (4 * 64 + 64 + 64 * 64 + 64) + (64 * 2 + 2) + (64 + 1));
}

TEST(ActorCritic, FeaturesAndEnvActions) {
  nn::Rng init(1);
  phantom::ActorCritic net(phantom::discrete(3, 1), phantom::box(-1, 1, {2}), {}, init);
  EXPECT_EQ(net.feature_size(), 3);
  float obs = 2.0f, f[3];
  net.write_features(&obs, f);
  EXPECT_EQ(std::vector<float>(f, f + 3), (std::vector<float>{0, 1, 0}));
  float a[2] = {-3.0f, 0.5f}, out[2];
  net.env_action(a, out);
  EXPECT_EQ(out[0], -1.0f);
  EXPECT_EQ(out[1], 0.5f);
  // Rescaled from [-1, 1] to the bounds; without rescaling, clipped.
  phantom::ActorCritic wide(phantom::box(0, 1, {1}), phantom::box(0, 100, {1}), {}, init);
  float x = 0.5f, y = 0.0f;
  wide.env_action(&x, &y);
  EXPECT_FLOAT_EQ(y, 75.0f);
  phantom::ActorCriticConfig plain;
  plain.rescale_box_actions = false;
  phantom::ActorCritic clipped(phantom::box(0, 1, {1}), phantom::box(0, 100, {1}), plain, init);
  x = -4.0f;
  clipped.env_action(&x, &y);
  EXPECT_EQ(y, 0.0f);
  EXPECT_THROW(phantom::ActorCritic(phantom::box(0, 1, {1}),
                                    phantom::tuple_space({phantom::discrete(2)}), {}, init),
               phantom::ConfigError);
}

}  // namespace
