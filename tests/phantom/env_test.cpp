// PhantomEnv (Python Phantom's tests/test_env.py) and the behaviours we fix.
#include <gtest/gtest.h>

#include "phantom/env.hpp"

namespace {

using phantom::Context;

// Observes the elapsed fraction of the episode; done when the env reaches `done_at` steps.
class MockStrategic : public phantom::StrategicAgent {
 public:
  MockStrategic(std::string id, std::optional<int64_t> done_at = std::nullopt)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})),
        done_at_(done_at) {}
  bool encode_observation(Context& ctx, float* out) override {
    ++encode_count;
    out[0] = static_cast<float>(ctx.env_view().proportion_time_elapsed);
    return true;
  }
  void decode_action(Context&, const float* action) override {
    ++decode_count;
    last_action = action[0];
  }
  double compute_reward(Context&) override {
    ++reward_count;
    return 0.5;
  }
  bool is_terminated(Context& ctx) override {
    return done_at_ && ctx.env_view().current_step == *done_at_;
  }
  bool is_truncated(Context& ctx) override { return is_terminated(ctx); }
  int encode_count = 0, decode_count = 0, reward_count = 0, generate_count = 0;
  float last_action = -1;
  void generate_messages(Context&) override { ++generate_count; }

 private:
  std::optional<int64_t> done_at_;
};

class Plain : public phantom::Agent {
 public:
  using Agent::Agent;
  void generate_messages(Context&) override { ++generate_count; }
  int generate_count = 0;
};

class EnvTest : public ::testing::Test {
 protected:
  EnvTest() {
    auto net = std::make_unique<phantom::Network>();
    a = &net->emplace<MockStrategic>("A", 1);
    b = &net->emplace<MockStrategic>("B");
    c = &net->emplace<Plain>("C");
    env = std::make_unique<phantom::PhantomEnv>(std::move(net), 2);
  }
  std::unique_ptr<phantom::PhantomEnv> env;
  MockStrategic *a = nullptr, *b = nullptr;
  Plain* c = nullptr;
};

TEST_F(EnvTest, AgentsAndIds) {
  EXPECT_EQ(env->n_agents(), 3);
  EXPECT_EQ(env->agent_ids(), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(env->strategic_agent_ids(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(env->non_strategic_agent_ids(), (std::vector<std::string>{"C"}));
  EXPECT_EQ(&(*env)["A"], a);
  EXPECT_EQ(&env->strategic_agent(1), b);
}

TEST_F(EnvTest, Reset) {
  const phantom::StepResult& r = env->reset(1);
  EXPECT_EQ(env->current_step(), 0);
  ASSERT_EQ(r.size(), 2);
  EXPECT_TRUE(r.observed(0));
  EXPECT_TRUE(r.observed(1));
  EXPECT_EQ(r.observation(0)[0], 0.0f);
  EXPECT_FALSE(r.done());
}

TEST_F(EnvTest, StepSemantics) {
  env->reset(1);
  phantom::Actions actions = env->make_actions();
  actions.set("A", {0.25f});
  actions.set("B", {0.75f});
  const phantom::StepResult& s1 = env->step(actions);
  EXPECT_EQ(env->current_step(), 1);
  EXPECT_TRUE(s1.observed(0));
  EXPECT_TRUE(s1.observed(1));
  EXPECT_EQ(s1.reward(0), 0.5);
  EXPECT_TRUE(s1.terminated(0));  // A is done at step 1
  EXPECT_FALSE(s1.terminated(1));
  EXPECT_FALSE(s1.all_terminated);
  EXPECT_FALSE(s1.all_truncated);
  EXPECT_EQ(a->last_action, 0.25f);
  EXPECT_EQ(c->generate_count, 1);  // non-strategic agents generate messages

  const phantom::StepResult& s2 = env->step(actions);
  EXPECT_FALSE(s2.reported(0));  // A is done: not stepped, observed or rewarded again
  EXPECT_FALSE(s2.observed(0));
  EXPECT_TRUE(s2.observed(1));
  EXPECT_FALSE(s2.terminated(1));
  EXPECT_FALSE(s2.all_terminated);
  EXPECT_TRUE(s2.all_truncated);  // the step limit
  EXPECT_EQ(a->decode_count, 1);
  EXPECT_EQ(b->decode_count, 2);
}

// A strategic agent without an action this step generates messages instead.
TEST_F(EnvTest, StrategicAgentWithoutActionGeneratesMessages) {
  env->reset(1);
  phantom::Actions actions = env->make_actions();
  actions.set("A", {0.0f});
  env->step(actions);
  EXPECT_EQ(b->decode_count, 0);
  EXPECT_EQ(b->generate_count, 1);
}

// Fixed: stepping a finished episode throws (Python keeps going and un-truncates).
TEST_F(EnvTest, SteppingAFinishedEpisodeIsAnError) {
  env->reset(1);
  phantom::Actions actions = env->make_actions();
  env->step(actions);
  env->step(actions);
  EXPECT_TRUE(env->done());
  EXPECT_THROW(env->step(actions), phantom::EnvError);
  env->reset();
  EXPECT_NO_THROW(env->step(actions));
}

// Fixed: actions for unknown or non-strategic agents are errors naming the agent.
TEST_F(EnvTest, BadActionKeysAreErrors) {
  env->reset(1);
  phantom::Actions actions = env->make_actions();
  try {
    actions.set("C", {1.0f});
    FAIL() << "action for a non-strategic agent accepted";
  } catch (const phantom::EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("'C'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(actions.set("nobody", {1.0f}), phantom::EnvError);
  EXPECT_THROW(actions.set("A", {1.0f, 2.0f}), phantom::EnvError);  // wrong size
  EXPECT_THROW(phantom::PhantomEnv(nullptr, 2), phantom::ConfigError);
}

TEST_F(EnvTest, StepBeforeResetIsAnError) {
  phantom::Actions actions = env->make_actions();
  EXPECT_THROW(env->step(actions), phantom::EnvError);
}

// With no strategic agents, "__all__" terminated is immediately true (as in Python).
TEST(EnvNoStrategic, AllTerminatedImmediately) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Plain>("X");
  phantom::PhantomEnv env(std::move(net), 3);
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  EXPECT_TRUE(env.step(actions).all_terminated);
}

}  // namespace
