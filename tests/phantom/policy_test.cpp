// The Policy base: the default compute_actions() is compute_action() row by row, each row on its
// own generator; the other defaults (set_explore ignored, no clone).
#include "phantom/policy.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "support/policy_test_env.hpp"

namespace {

// Acts with observation[0] + observation[1] + a uniform draw, then a second draw for row
// parity: two draws per row, so rows sharing or swapping generators would show.
class NoisySum : public phantom::Policy {
 public:
  NoisySum() : Policy(phantom::box(0, 1, {2}), phantom::box(-10, 10, {2})) {}
  void compute_action(const float* obs, float* action, nn::Rng& rng) override {
    ++calls;
    action[0] = obs[0] + obs[1] + rng.uniform();
    action[1] = rng.uniform();
  }
  int calls = 0;
};

TEST(Policy, DefaultComputeActionsIsComputeActionRowByRow) {
  NoisySum policy;
  const int64_t rows = 5;
  std::vector<float> obs(rows * 2);
  for (std::size_t i = 0; i < obs.size(); ++i) obs[i] = 0.1f * static_cast<float>(i);
  std::vector<nn::Rng> rngs, copies;
  for (int64_t r = 0; r < rows; ++r) rngs.emplace_back(4, static_cast<uint64_t>(r));
  copies = rngs;
  std::vector<float> batched(rows * 2), single(rows * 2);
  policy.compute_actions(obs.data(), rows, batched.data(), rngs.data());
  EXPECT_EQ(policy.calls, rows);
  for (int64_t r = 0; r < rows; ++r) {
    policy.compute_action(obs.data() + 2 * r, single.data() + 2 * r,
                          copies[static_cast<std::size_t>(r)]);
  }
  EXPECT_EQ(batched, single);
  for (int64_t r = 0; r < rows; ++r) {
    auto i = static_cast<std::size_t>(r);
    EXPECT_EQ(rngs[i].state().block, copies[i].state().block);
    EXPECT_EQ(rngs[i].state().used, copies[i].state().used);
    EXPECT_EQ(rngs[i].next_u32(), copies[i].next_u32());
  }
  // Zero rows: nothing is called or written.
  policy.compute_actions(nullptr, 0, nullptr, nullptr);
  EXPECT_EQ(policy.calls, 2 * rows);
}

TEST(Policy, DefaultsIgnoreExploreAndCannotClone) {
  NoisySum policy;
  policy.set_explore(false);
  nn::Rng a(1), b(1);
  float obs[2] = {0.5f, 0.25f}, x[2], y[2];
  policy.compute_action(obs, x, a);
  policy.set_explore(true);
  policy.compute_action(obs, y, b);
  EXPECT_EQ(x[0], y[0]);
  EXPECT_EQ(x[1], y[1]);
  EXPECT_EQ(policy.clone(), nullptr);
}

TEST(Policy, ConstantPolicyClonesActIdentically) {
  test_support::ConstantPolicy policy(phantom::box(0, 1, {2}), phantom::box(0, 5, {3}), 2.5f);
  std::shared_ptr<phantom::Policy> clone = policy.clone();
  ASSERT_NE(clone, nullptr);
  EXPECT_EQ(clone->action_space(), policy.action_space());
  nn::Rng rng;
  float obs[2] = {0, 0}, mine[3], theirs[3];
  policy.compute_action(obs, mine, rng);
  clone->compute_action(obs, theirs, rng);
  EXPECT_EQ(std::vector<float>(mine, mine + 3), std::vector<float>(theirs, theirs + 3));
}

}  // namespace
