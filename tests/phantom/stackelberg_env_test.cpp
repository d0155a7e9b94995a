// StackelbergEnv (Python Phantom's tests/test_stackelberg.py intent): leaders act on odd steps,
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
  EXPECT_THROW(build({"a"}, {"ghost"}), phantom::FSMValidationError);
  try {
    build({"a"}, {"a", "b"});
    FAIL() << "an agent in both groups was accepted";
  } catch (const phantom::FSMValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("both a leader and a follower"), std::string::npos);
  }
}

}  // namespace
