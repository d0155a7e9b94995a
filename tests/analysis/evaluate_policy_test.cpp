// evaluate_policy: the observation grid, batching, explore, errors.
#include "analysis/evaluate_policy.hpp"

#include <gtest/gtest.h>

#include <set>

#include "analysis/rollout_test_env.hpp"
#include "nn/error.hpp"
#include "phantom/range.hpp"
#include "phantom/sampler.hpp"
#include "support/error_message.hpp"

namespace {

using phantom::EvaluateOptions;
using rollout_test::NoisyPolicy;

NoisyPolicy dealer_policy() {
  return NoisyPolicy(phantom::box(-1e6f, 1e6f, {4}), phantom::box(-10, 10, {1}));
}

TEST(EvaluatePolicy, OneResultPerGridPointInGridOrder) {
  // Python's test: obs = [LinspaceRange(0, 1, 3, name="r")] gives r = 0, 0.5, 1.
  NoisyPolicy policy = dealer_policy();
  auto r = phantom::linspace_range(0, 1, 3, "r");
  auto price = phantom::uniform_range(1, 3, 1, "price");
  auto results = phantom::evaluate_policy(policy, {r, price, std::vector<float>{7.0f, 8.0f}});
  ASSERT_EQ(results.size(), 6u);
  for (std::size_t k = 0; k < results.size(); ++k) {
    const auto& e = results[k];
    ASSERT_EQ(e.params.size(), 2u);
    EXPECT_EQ(e.params[0].name, "r");
    EXPECT_FLOAT_EQ(e.params[0].value, 0.5f * static_cast<float>(k / 2));
    EXPECT_FLOAT_EQ(e.params[1].value, 1.0f + static_cast<float>(k % 2));
    EXPECT_EQ(e.observation,
              (std::vector<float>{e.params[0].value, e.params[1].value, 7.0f, 8.0f}));
    // Not exploring: the action is the price (obs[1]).
    EXPECT_EQ(e.action, std::vector<float>{e.params[1].value});
  }
}

TEST(EvaluatePolicy, ExploringResultsDoNotDependOnTheBatchSize) {
  auto r = phantom::linspace_range(0, 1, 11, "r");
  std::vector<std::vector<float>> reference;
  for (int batch : {1, 4, 100}) {
    NoisyPolicy policy = dealer_policy();
    EvaluateOptions o;
    o.explore = true;
    o.batch_size = batch;
    o.seed = 3;
    std::vector<std::vector<float>> actions;
    for (const auto& e : phantom::evaluate_policy(policy, {0.0f, r, 0.0f, 0.0f}, o)) {
      actions.push_back(e.action);
    }
    ASSERT_EQ(actions.size(), 11u);
    if (reference.empty()) {
      reference = actions;
      // Exploring adds a draw in [0, 1) to the observed price (r = 0.1 k at point k), and the
      // draws differ from point to point.
      std::set<float> draws;
      for (std::size_t k = 0; k < actions.size(); ++k) {
        float price = r->value(k);
        EXPECT_GE(actions[k][0], price);
        EXPECT_LT(actions[k][0], price + 1.0f);
        draws.insert(actions[k][0] - price);
      }
      EXPECT_GT(draws.size(), 5u);
    } else {
      EXPECT_EQ(actions, reference) << "batch " << batch;
    }
  }
}

TEST(EvaluatePolicy, RejectsSamplersWrongSizesAndBadBatches) {
  NoisyPolicy policy = dealer_policy();
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               phantom::evaluate_policy(policy, {1.0f, 2.0f});
             }),
             "the observation parts make 2 floats, but the policy's observation space");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               phantom::evaluate_policy(policy, {phantom::uniform(0.0f, 1.0f), 1.0f, 1.0f, 1.0f});
             }),
             "observation part 0 is a");
  EvaluateOptions o;
  o.batch_size = 0;
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               phantom::evaluate_policy(policy, {1.0f, 1.0f, 1.0f, 1.0f}, o);
             }),
             "batch_size = 0");
}

}  // namespace
