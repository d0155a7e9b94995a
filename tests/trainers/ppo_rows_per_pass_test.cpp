// PPO's chunked minibatches: a minibatch larger than the policy's rows per pass is evaluated in
// chunks whose gradients add up before the one optimiser step. It must learn what one pass over
// the minibatch learns (up to float rounding), exactly that when the minibatch fits in one pass,
// for every action head.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/error.hpp"
#include "phantom/space.hpp"
#include "support/error_message.hpp"
#include "support/ppo_weights.hpp"
#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/sampling/sample_batch.hpp"

namespace {

namespace col = phantom::columns;

/// A postprocessed batch of `rows` rows for `net` with random contents (fixed seed); discrete
/// actions are drawn from 0..3, others from [-0.9, 0.9].
phantom::SampleBatch random_batch(const phantom::ActorCritic& net, int64_t rows, bool discrete) {
  const int64_t obs_size = net.observation_space()->flat_size();
  const int64_t action_size = net.action_size();
  phantom::SampleBatch b = phantom::SampleBatch::with_standard_columns(obs_size, action_size);
  b.add_column(col::kAdvantages, 1, phantom::ColumnType::float32);
  b.add_column(col::kValueTargets, 1, phantom::ColumnType::float32);
  b.resize(rows);
  nn::Rng rng(11);
  float* obs = b.f32(col::kObs);
  for (int64_t i = 0; i < rows * obs_size; ++i) obs[i] = rng.uniform(-1.0f, 1.0f);
  float* actions = b.f32(col::kActions);
  for (int64_t i = 0; i < rows * action_size; ++i) {
    actions[i] = discrete ? static_cast<float>(rng.uniform_int(0, 3)) : rng.uniform(-0.9f, 0.9f);
  }
  float* logp = b.f32(col::kActionLogp);
  float* adv = b.f32(col::kAdvantages);
  float* targets = b.f32(col::kValueTargets);
  float* values = b.f32(col::kVfPreds);
  for (int64_t r = 0; r < rows; ++r) {
    logp[r] = -1.1f + rng.uniform(-0.3f, 0.3f);
    adv[r] = rng.uniform(-2.0f, 2.0f);
    values[r] = rng.uniform(0.0f, 3.0f);
    targets[r] = values[r] + adv[r];
  }
  return b;
}

using test_support::flat_weights;

struct Learned {
  std::vector<float> weights;
  phantom::LearnerStats stats;
};

/// A fresh policy: the same initial weights every time. Learns in 2 epochs of two 48-row
/// minibatches.
std::unique_ptr<phantom::PpoPolicy> fresh_policy(const phantom::SpacePtr& action_space) {
  nn::Rng init(5);
  auto net = std::make_shared<phantom::ActorCritic>(phantom::box(-1, 1, {3}), action_space,
                                                    phantom::ActorCriticConfig{}, init);
  phantom::PpoOptions options;
  options.epochs = 2;
  options.minibatches = 2;
  return std::make_unique<phantom::PpoPolicy>(net, nullptr, options, nn::Rng(9));
}

/// A fresh policy learning twice on the same 96-row batch with `rows_per_pass` (0: the default).
Learned learn(const phantom::SpacePtr& action_space, bool discrete, int64_t rows_per_pass) {
  std::unique_ptr<phantom::PpoPolicy> policy = fresh_policy(action_space);
  if (rows_per_pass > 0) policy->set_rows_per_pass(rows_per_pass);
  phantom::SampleBatch batch = random_batch(*policy->network(), 96, discrete);
  Learned out;
  policy->learn_on_batch(batch, out.stats);
  policy->learn_on_batch(batch, out.stats);
  out.weights = flat_weights(*policy->network());
  return out;
}

/// The largest |a - b| / (1 + |b|) over every weight of two copies of one network.
double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const double x = a[i], y = b[i];
    worst = std::max(worst, std::fabs(x - y) / (1.0 + std::fabs(y)));
  }
  return worst;
}

TEST(PpoRowsPerPass, ChunkedMinibatchesLearnWhatOnePassLearns) {
  for (const bool discrete : {true, false}) {
    SCOPED_TRACE(discrete ? "Discrete(4) actions" : "Box(2) actions");
    const phantom::SpacePtr space = discrete ? phantom::discrete(4) : phantom::box(-1, 1, {2});
    const Learned one_pass = learn(space, discrete, 0);  // 48 rows <= 512: one pass
    const Learned chunked = learn(space, discrete, 7);   // 7 chunks of 6 or 7 rows
    // Learning moved the weights: agreeing untouched weights would prove nothing.
    EXPECT_GT(
        max_relative_difference(one_pass.weights, flat_weights(*fresh_policy(space)->network())),
        1e-4);

    EXPECT_LT(max_relative_difference(chunked.weights, one_pass.weights), 1e-5);
    for (const auto& [name, value] : one_pass.stats.values()) {
      SCOPED_TRACE(name);
      EXPECT_NEAR(chunked.stats.get(name), value, 1e-5 * (1.0 + std::fabs(value)));
    }
  }
}

TEST(PpoRowsPerPass, AMinibatchThatFitsInOnePassIsLearnedExactlyAsBefore) {
  const phantom::SpacePtr space = phantom::discrete(4);
  // 48-row minibatches with 48 rows per pass: one chunk, no scaling, the same bits.
  EXPECT_EQ(learn(space, true, 48).weights, learn(space, true, 0).weights);
}

TEST(PpoRowsPerPass, FewerThanOneRowIsAConfigError) {
  nn::Rng init(5);
  phantom::PpoPolicy policy(std::make_shared<phantom::ActorCritic>(
      phantom::box(-1, 1, {3}), phantom::discrete(2), phantom::ActorCriticConfig{}, init));
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { policy.set_rows_per_pass(0); }),
             "set_rows_per_pass: 0 rows, expected at least 1");
}

}  // namespace
