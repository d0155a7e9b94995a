// Off-policy estimation (IS and WIS): the worked example's numbers exactly, the errors for data
// without behaviour probabilities or with several policies, and the target probabilities a
// trainable policy gives.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/error.hpp"
#include "phantom/space.hpp"
#include "support/error_message.hpp"
#include "trainers/offline/off_policy_estimator.hpp"
#include "trainers/sampling/sample_batch.hpp"
#include "trainers/worker_test_policies.hpp"

namespace {

using phantom::OffPolicyEstimate;
using phantom::OffPolicyEstimator;

const float kRewards[3] = {1, 1, 1};
const float kBehaviour[3] = {0.5f, 0.5f, 0.5f};
const double kTarget1[3] = {1.0, 0.5, 0.25};
const double kTarget2[3] = {0.25, 0.25, 0.25};

TEST(OffPolicyEstimator, ImportanceSamplingGivesTheWorkedExample) {
  OffPolicyEstimator is(OffPolicyEstimator::Method::is, 0.9);
  // rho = [2, 2, 1]: V_prev = 1 + 0.9 + 0.81, V_IS = 2 + 1.8 + 0.81.
  const OffPolicyEstimate e1 = is.estimate_episode(kRewards, kBehaviour, kTarget1, 3);
  EXPECT_NEAR(e1.v_prev, 2.71, 1e-12);
  EXPECT_NEAR(e1.v_target, 4.61, 1e-12);
  EXPECT_NEAR(e1.gain, 1.70111, 1e-5);
  EXPECT_NEAR(e1.gain, 4.61 / 2.71, 1e-12);
  // rho = [0.5, 0.25, 0.125]: 0.5 + 0.225 + 0.10125. IS keeps no state between episodes.
  const OffPolicyEstimate e2 = is.estimate_episode(kRewards, kBehaviour, kTarget2, 3);
  EXPECT_NEAR(e2.v_prev, 2.71, 1e-12);
  EXPECT_NEAR(e2.v_target, 0.82625, 1e-12);
}

TEST(OffPolicyEstimator, WeightedImportanceSamplingAveragesTheWeightsOfEveryEpisodeSeen) {
  OffPolicyEstimator wis(OffPolicyEstimator::Method::wis, 0.9);
  // Alone, each weight is its own mean: the behaviour return.
  EXPECT_NEAR(wis.estimate_episode(kRewards, kBehaviour, kTarget1, 3).v_target, 2.71, 1e-12);
  // Mean weights [1.25, 1.125, 0.5625]: 0.5/1.25 + 0.9 * 0.25/1.125 + 0.81 * 0.125/0.5625.
  const OffPolicyEstimate e2 = wis.estimate_episode(kRewards, kBehaviour, kTarget2, 3);
  EXPECT_NEAR(e2.v_target, 0.78, 1e-12);
  EXPECT_NEAR(e2.v_prev, 2.71, 1e-12);
  EXPECT_NEAR(e2.gain, 0.78 / 2.71, 1e-12);
}

TEST(OffPolicyEstimator, WeightSumsSurviveACheckpoint) {
  OffPolicyEstimator a(OffPolicyEstimator::Method::wis, 0.9);
  a.estimate_episode(kRewards, kBehaviour, kTarget1, 3);
  nn::StateDict state;
  a.save(state, "wis");
  OffPolicyEstimator b(OffPolicyEstimator::Method::wis, 0.9);
  b.load(state, "wis");
  EXPECT_NEAR(b.estimate_episode(kRewards, kBehaviour, kTarget2, 3).v_target, 0.78, 1e-12);
}

TEST(OffPolicyEstimator, RefusesAZeroBehaviourProbabilityAndUnknownMethods) {
  OffPolicyEstimator is(OffPolicyEstimator::Method::is, 0.9);
  const float zero[3] = {0.5f, 0.0f, 0.5f};
  const std::string m = test_support::message_of<phantom::ValueError>(
      [&] { is.estimate_episode(kRewards, zero, kTarget1, 3); });
  EXPECT_HAS(m, "step 1");
  EXPECT_HAS(m, "behaviour probability 0");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [] { phantom::off_policy_method("doubly_robust"); }),
             "unknown method 'doubly_robust'");
}

// A batch of `rows` rows of one agent's episodes for a Discrete(2) policy over Box obs.
phantom::SampleBatch episode_batch(const std::vector<int64_t>& eps, bool with_prob) {
  phantom::SampleBatch b = phantom::SampleBatch::with_standard_columns(1, 1);
  b.resize(static_cast<int64_t>(eps.size()));
  for (std::size_t r = 0; r < eps.size(); ++r) {
    const auto k = static_cast<int64_t>(r);
    b.f32(phantom::columns::kObs)[k] = 0.0f;
    b.f32(phantom::columns::kActions)[k] = static_cast<float>(r % 2);
    b.f32(phantom::columns::kRewards)[k] = 1.0f;
    b.f32(phantom::columns::kActionProb)[k] = 0.5f;
    b.i64(phantom::columns::kEpsId)[k] = eps[r];
  }
  if (!with_prob) {
    phantom::SampleBatch copy;  // the same columns without action_prob
    for (const std::string& name : b.column_names()) {
      if (name == phantom::columns::kActionProb) continue;
      copy.add_column(name, b.width(name), b.type(name));
    }
    copy.resize(b.size());
    for (const std::string& name : copy.column_names()) {
      const int64_t n = b.size() * b.width(name);
      if (b.type(name) == phantom::ColumnType::float32) {
        std::copy_n(b.f32(name), n, copy.f32(name));
      } else {
        std::copy_n(b.i64(name), n, copy.i64(name));
      }
    }
    return copy;
  }
  return b;
}

TEST(OffPolicyEstimator, EstimatesEachEpisodeOfABatchWithTheTargetPolicysProbabilities) {
  // logits ln 3, 0: the target takes action 0 with probability 3/4 and 1 with 1/4.
  auto target = std::make_shared<worker_test::FixedLogitsPolicy>(
      phantom::box(-1, 1, {1}), phantom::discrete(2), std::vector<float>{std::log(3.0f), 0.0f});
  phantom::MultiAgentBatch batch;
  batch.policy_batches["p"] = episode_batch({4, 4, 4, 9, 9}, true);
  OffPolicyEstimator is(OffPolicyEstimator::Method::is, 0.5);
  const std::vector<OffPolicyEstimate> e = is.estimate(batch, *target);
  ASSERT_EQ(e.size(), 2u);  // episode 4 (rows 0-2), episode 9 (rows 3-4)
  // Actions 0, 1, 0: ratios 1.5, 0.5, 1.5 -> rho 1.5, 0.75, 1.125.
  EXPECT_NEAR(e[0].v_prev, 1.75, 1e-12);
  EXPECT_NEAR(e[0].v_target, 1.5 + 0.5 * 0.75 + 0.25 * 1.125, 1e-6);
  // Actions 1, 0: rho 0.5, 0.75.
  EXPECT_NEAR(e[1].v_target, 0.5 + 0.5 * 0.75, 1e-6);
}

TEST(OffPolicyEstimator, RefusesDataWithoutBehaviourProbabilities) {
  auto target = std::make_shared<worker_test::FixedLogitsPolicy>(
      phantom::box(-1, 1, {1}), phantom::discrete(2), std::vector<float>{0.0f, 0.0f});
  phantom::MultiAgentBatch batch;
  batch.policy_batches["q"] = episode_batch({1, 1}, false);
  OffPolicyEstimator wis(OffPolicyEstimator::Method::wis, 0.9);
  const std::string m =
      test_support::message_of<phantom::ConfigError>([&] { wis.estimate(batch, *target); });
  EXPECT_HAS(m, "policy 'q' has no action_prob column");
  EXPECT_HAS(m, "Q-learning");
}

TEST(OffPolicyEstimator, RefusesABatchOfSeveralPolicies) {
  auto target = std::make_shared<worker_test::FixedLogitsPolicy>(
      phantom::box(-1, 1, {1}), phantom::discrete(2), std::vector<float>{0.0f, 0.0f});
  phantom::MultiAgentBatch batch;
  batch.policy_batches["a"] = episode_batch({1}, true);
  batch.policy_batches["b"] = episode_batch({1}, true);
  OffPolicyEstimator is(OffPolicyEstimator::Method::is, 0.9);
  const std::string m =
      test_support::message_of<phantom::ConfigError>([&] { is.estimate(batch, *target); });
  EXPECT_HAS(m, "several policies (a, b)");
}

}  // namespace
