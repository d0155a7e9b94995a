// StackelbergEnv (Python Phantom's tests/test_stackelberg.py): leaders act on odd steps,
// followers on even steps; rewards reach each agent with its next observation.
#include <gtest/gtest.h>

#include "phantom/stackelberg_env.hpp"

namespace {

using phantom::Context;

class Player : public phantom::StrategicAgent {
 public:
  Player(std::string id, double reward)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})),
        reward_(reward) {}
  bool encode_observation(Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.env_view().current_step);
    return true;
  }
  void decode_action(Context&, const float*) override { ++decodes; }
  double compute_reward(Context&) override { return reward_; }
  int decodes = 0;

 private:
  double reward_;
};

std::unique_ptr<phantom::StackelbergEnv> make_env(int64_t steps) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Player>("leader", 1.0);
  net->emplace<Player>("follower", 10.0);
  return std::make_unique<phantom::StackelbergEnv>(std::move(net), steps,
                                                   std::vector<std::string>{"leader"},
                                                   std::vector<std::string>{"follower"});
}

// Python's MockStrategicAgent: observes the elapsed fraction, reward 0, counts every call.
class Counting : public phantom::StrategicAgent {
 public:
  explicit Counting(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})) {}
  bool encode_observation(Context& ctx, float* out) override {
    ++encodes;
    out[0] = static_cast<float>(ctx.env_view().proportion_time_elapsed);
    return true;
  }
  void decode_action(Context&, const float*) override { ++decodes; }
  double compute_reward(Context&) override {
    ++rewards;
    return 0.0;
  }
  // (rewards, encodes, decodes)
  std::vector<int> counts() const { return {rewards, encodes, decodes}; }
  int encodes = 0, decodes = 0, rewards = 0;
};

// test_stackelberg_env: three steps, leader / follower / leader. The observations, rewards and
// call counts are Python's, except on the last step, where every live agent is observed
// (Python's Stackelberg observed only the next stage's agents).
TEST(Stackelberg, StackelbergEnv) {
  auto net = std::make_unique<phantom::Network>();
  auto& leader = net->emplace<Counting>("leader");
  auto& follower = net->emplace<Counting>("follower");
  phantom::StackelbergEnv env(std::move(net), 3, {"leader"}, {"follower"});
  const int L = env.strategic_position("leader"), F = env.strategic_position("follower");

  const phantom::StepResult& r0 = env.reset(1);
  EXPECT_TRUE(r0.observed(L));
  EXPECT_EQ(r0.observation(L)[0], 0.0f);
  EXPECT_FALSE(r0.observed(F));
  EXPECT_EQ(leader.counts(), (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(follower.counts(), (std::vector<int>{0, 0, 0}));

  phantom::Actions actions = env.make_actions();
  actions.set("leader", {0.0f});
  actions.set("follower", {0.0f});

  // Step 1: the leader acts; the follower observes; nobody has a reward to report yet.
  const phantom::StepResult& r1 = env.step(actions);
  EXPECT_FALSE(r1.observed(L));
  EXPECT_TRUE(r1.observed(F));
  EXPECT_FLOAT_EQ(r1.observation(F)[0], 1.0f / 3.0f);
  EXPECT_FALSE(r1.has_reward(L));
  EXPECT_FALSE(r1.has_reward(F));
  EXPECT_FALSE(r1.terminated(L) || r1.truncated(L) || r1.terminated(F) || r1.truncated(F));
  EXPECT_FALSE(r1.all_terminated || r1.all_truncated);
  EXPECT_TRUE(r1.infos(F).empty());
  EXPECT_EQ(leader.counts(), (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(follower.counts(), (std::vector<int>{0, 1, 0}));

  // Step 2: the follower acts; the leader observes and gets its step-1 reward.
  const phantom::StepResult& r2 = env.step(actions);
  EXPECT_TRUE(r2.observed(L));
  EXPECT_FALSE(r2.observed(F));
  EXPECT_FLOAT_EQ(r2.observation(L)[0], 2.0f / 3.0f);
  EXPECT_TRUE(r2.has_reward(L));
  EXPECT_EQ(r2.reward(L), 0.0);
  EXPECT_FALSE(r2.has_reward(F));
  EXPECT_FALSE(r2.all_terminated || r2.all_truncated);
  EXPECT_TRUE(r2.infos(L).empty());
  EXPECT_EQ(leader.counts(), (std::vector<int>{1, 2, 1}));
  EXPECT_EQ(follower.counts(), (std::vector<int>{1, 1, 1}));

  // Step 3 (the last): the leader acts; both are observed and both rewards are reported.
  const phantom::StepResult& r3 = env.step(actions);
  EXPECT_TRUE(r3.observed(F));
  EXPECT_FLOAT_EQ(r3.observation(F)[0], 1.0f);
  EXPECT_TRUE(r3.observed(L));  // Python: only the follower
  EXPECT_TRUE(r3.has_reward(L));
  EXPECT_TRUE(r3.has_reward(F));
  EXPECT_EQ(r3.reward(L), 0.0);
  EXPECT_EQ(r3.reward(F), 0.0);
  EXPECT_FALSE(r3.terminated(L) || r3.terminated(F) || r3.all_terminated);
  EXPECT_TRUE(r3.all_truncated);
  EXPECT_TRUE(r3.infos(F).empty());
  EXPECT_EQ(leader.counts(), (std::vector<int>{2, 3, 2}));  // Python: encode 2
  EXPECT_EQ(follower.counts(), (std::vector<int>{1, 2, 1}));
}

TEST(Stackelberg, AlternatingTurns) {
  auto env = make_env(4);
  auto& leader = static_cast<Player&>((*env)["leader"]);
  auto& follower = static_cast<Player&>((*env)["follower"]);
  const phantom::StepResult& r0 = env->reset(1);
  EXPECT_TRUE(r0.observed(0));  // leaders observe first
  EXPECT_FALSE(r0.observed(1));

  phantom::Actions actions = env->make_actions();
  actions.set("leader", {0.0f});
  actions.set("follower", {0.0f});
  const phantom::StepResult& r1 = env->step(actions);  // leader acts; follower observes next
  EXPECT_EQ(leader.decodes, 1);
  EXPECT_EQ(follower.decodes, 0);
  EXPECT_FALSE(r1.observed(0));
  EXPECT_TRUE(r1.observed(1));
  EXPECT_FALSE(r1.has_reward(1));  // the follower has not been rewarded yet

  const phantom::StepResult& r2 = env->step(actions);  // follower acts; leader observes
  EXPECT_EQ(follower.decodes, 1);
  EXPECT_TRUE(r2.observed(0));
  EXPECT_TRUE(r2.has_reward(0));
  EXPECT_EQ(r2.reward(0), 1.0);  // the leader's reward from step 1

  env->step(actions);
  const phantom::StepResult& r4 = env->step(actions);  // the last step observes everyone
  EXPECT_TRUE(r4.all_truncated);
  EXPECT_TRUE(r4.observed(0));
  EXPECT_TRUE(r4.observed(1));
  EXPECT_EQ(r4.reward(1), 10.0);  // the follower's reward from step 4 is flushed
}

TEST(Stackelberg, Validation) {
  auto build = [](std::vector<std::string> leaders, std::vector<std::string> followers) {
    auto net = std::make_unique<phantom::Network>();
    net->emplace<Player>("a", 0.0);
    net->emplace<Player>("b", 0.0);
    phantom::StackelbergEnv env(std::move(net), 2, std::move(leaders), std::move(followers));
  };
  EXPECT_NO_THROW(build({"a"}, {"b"}));
  try {
    build({"a"}, {"ghost"});
    FAIL() << "an unknown follower was accepted";
  } catch (const phantom::FSMValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("'ghost'"), std::string::npos) << e.what();
  }
  try {
    build({"a"}, {"a", "b"});
    FAIL() << "an agent in both groups was accepted";
  } catch (const phantom::FSMValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("both a leader and a follower"), std::string::npos);
  }
}

}  // namespace
