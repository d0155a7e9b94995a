// PhantomEnv (Python Phantom's tests/test_env.py, one test per Python test) and the behaviours
// we fix.
#include <gtest/gtest.h>

#include "phantom/env.hpp"

namespace {

using phantom::Context;

// Observes the elapsed fraction of the episode (Python's MockStrategicAgent). It terminates when
// the env reaches `terminate_at` steps and is truncated at `truncate_at` (Python's mock used one
// num_steps for both).
class MockStrategic : public phantom::StrategicAgent {
 public:
  MockStrategic(std::string id, std::optional<int64_t> terminate_at = std::nullopt,
                std::optional<int64_t> truncate_at = std::nullopt)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})),
        terminate_at_(terminate_at),
        truncate_at_(truncate_at) {}
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
    return terminate_at_ && ctx.env_view().current_step == *terminate_at_;
  }
  bool is_truncated(Context& ctx) override {
    return truncate_at_ && ctx.env_view().current_step == *truncate_at_;
  }
  void generate_messages(Context&) override { ++generate_count; }
  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    ++reset_count;
  }
  int encode_count = 0, decode_count = 0, reward_count = 0, generate_count = 0, reset_count = 0;
  float last_action = -1;

 private:
  std::optional<int64_t> terminate_at_, truncate_at_;
};

class Plain : public phantom::Agent {
 public:
  using Agent::Agent;
  void generate_messages(Context&) override { ++generate_count; }
  int generate_count = 0;
};

// Python's fixture: PhantomEnv(num_steps=2) over A (done at step 1), B (never done) and the
// non-strategic C, with no connections.
class EnvTest : public ::testing::Test {
 protected:
  EnvTest() {
    auto net = std::make_unique<phantom::Network>();
    a = &net->emplace<MockStrategic>("A", 1, 1);
    b = &net->emplace<MockStrategic>("B");
    c = &net->emplace<Plain>("C");
    env = std::make_unique<phantom::PhantomEnv>(std::move(net), 2);
  }
  std::unique_ptr<phantom::PhantomEnv> env;
  MockStrategic *a = nullptr, *b = nullptr;
  Plain* c = nullptr;
};

// Two strategic agents done at steps `a_at` and `b_at` (terminated or truncated, as asked), in
// an env of `num_steps` steps.
std::unique_ptr<phantom::PhantomEnv> done_at(int64_t a_at, int64_t b_at, bool terminate,
                                             int64_t num_steps) {
  auto net = std::make_unique<phantom::Network>();
  if (terminate) {
    net->emplace<MockStrategic>("A", a_at, std::nullopt);
    net->emplace<MockStrategic>("B", b_at, std::nullopt);
  } else {
    net->emplace<MockStrategic>("A", std::nullopt, a_at);
    net->emplace<MockStrategic>("B", std::nullopt, b_at);
  }
  return std::make_unique<phantom::PhantomEnv>(std::move(net), num_steps);
}

// Fixed bug: A terminates at step 1 and B is truncated at step 2 by its own flag, with no step
// limit. Nobody is left, so the episode ends (truncated); Python never ended it.
TEST(EnvDone, MixedEndingsEndTheEpisode) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<MockStrategic>("A", 1, std::nullopt);
  net->emplace<MockStrategic>("B", std::nullopt, 2);
  phantom::PhantomEnv env(std::move(net), std::nullopt);
  phantom::Actions actions = env.make_actions();
  env.reset(1);
  EXPECT_FALSE(env.step(actions).done());
  const phantom::StepResult& r = env.step(actions);
  EXPECT_TRUE(r.all_truncated);
  EXPECT_FALSE(r.all_terminated);
  EXPECT_TRUE(env.done());
  EXPECT_THROW(env.step(actions), phantom::EnvError);
}

// test_n_agents: every agent counts, strategic or not.
TEST_F(EnvTest, NAgents) {
  EXPECT_EQ(env->n_agents(), 3);
}

// test_agent_ids: network order, split by kind.
TEST_F(EnvTest, AgentIds) {
  EXPECT_EQ(env->agent_ids(), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(env->strategic_agent_ids(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(env->non_strategic_agent_ids(), (std::vector<std::string>{"C"}));
}

// test_get_agents: the strategic agents are A then B; the only other agent is C.
TEST_F(EnvTest, GetAgents) {
  ASSERT_EQ(env->num_strategic(), 2);
  EXPECT_EQ(&env->strategic_agent(0), a);
  EXPECT_EQ(&env->strategic_agent(1), b);
  ASSERT_EQ(env->non_strategic_agent_ids().size(), 1u);
  EXPECT_EQ(&(*env)[env->non_strategic_agent_ids()[0]], c);
}

// test__get_item__: env[id] is the agent itself.
TEST_F(EnvTest, GetItem) {
  auto* found = dynamic_cast<MockStrategic*>(&(*env)["A"]);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->id(), "A");
  EXPECT_EQ(found, a);
  EXPECT_THROW((*env)["nobody"], phantom::NetworkError);
}

// test_is_terminated: terminated only once every strategic agent has terminated.
TEST(EnvDone, IsTerminated) {
  auto env = done_at(1, 2, /*terminate=*/true, 5);
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  EXPECT_FALSE(env->is_terminated());  // nobody
  const phantom::StepResult& s1 = env->step(actions);
  EXPECT_TRUE(s1.terminated(0));
  EXPECT_FALSE(env->is_terminated());  // only A
  EXPECT_FALSE(s1.all_terminated);
  const phantom::StepResult& s2 = env->step(actions);
  EXPECT_TRUE(env->is_terminated());  // A and B
  EXPECT_TRUE(s2.all_terminated);
  EXPECT_FALSE(s2.all_truncated);
}

// test_is_truncated: truncated once every strategic agent was truncated, or at the step limit.
TEST(EnvDone, IsTruncated) {
  auto env = done_at(1, 2, /*terminate=*/false, 5);
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  EXPECT_FALSE(env->is_truncated());
  env->step(actions);
  EXPECT_FALSE(env->is_truncated());  // only A
  const phantom::StepResult& s2 = env->step(actions);
  EXPECT_TRUE(env->is_truncated());  // A and B
  EXPECT_TRUE(s2.all_truncated);
  EXPECT_FALSE(s2.all_terminated);

  // Nobody truncated, but the clock reached num_steps.
  auto limited = done_at(100, 100, /*terminate=*/false, 2);
  phantom::Actions none = limited->make_actions();
  limited->reset(1);
  limited->step(none);
  EXPECT_FALSE(limited->is_truncated());
  const phantom::StepResult& last = limited->step(none);
  EXPECT_FALSE(last.truncated(0) || last.truncated(1));
  EXPECT_TRUE(limited->is_truncated());
  EXPECT_TRUE(last.all_truncated);
}

// test_reset: the clock is at 0, exactly the strategic agents are observed, and infos are empty.
TEST_F(EnvTest, Reset) {
  const phantom::StepResult& r = env->reset(1);
  EXPECT_EQ(env->current_step(), 0);
  ASSERT_EQ(r.size(), 2);  // one slot per strategic agent: A, B (C has none)
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(r.observed(i)) << i;
    EXPECT_EQ(r.observation(i)[0], 0.0f) << i;
    EXPECT_TRUE(r.infos(i).empty()) << i;
    EXPECT_FALSE(r.has_reward(i)) << i;  // reset reports no rewards
  }
  EXPECT_FALSE(r.done());
}

// test_step: A is terminated and truncated at step 1 and is not reported again; step 2 is the
// step limit.
TEST_F(EnvTest, Step) {
  env->reset(1);
  phantom::Actions actions = env->make_actions();
  actions.set("A", {0.25f});
  actions.set("B", {0.75f});
  const phantom::StepResult& s1 = env->step(actions);
  EXPECT_EQ(env->current_step(), 1);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(s1.observed(i)) << i;
    EXPECT_TRUE(s1.has_reward(i)) << i;
    EXPECT_EQ(s1.reward(i), 0.5) << i;
    EXPECT_TRUE(s1.infos(i).empty()) << i;
    EXPECT_TRUE(s1.reported(i)) << i;
  }
  EXPECT_TRUE(s1.terminated(0));
  EXPECT_TRUE(s1.truncated(0));
  EXPECT_FALSE(s1.terminated(1));
  EXPECT_FALSE(s1.truncated(1));
  EXPECT_FALSE(s1.all_terminated);
  EXPECT_FALSE(s1.all_truncated);
  EXPECT_EQ(a->last_action, 0.25f);
  EXPECT_EQ(b->last_action, 0.75f);
  EXPECT_EQ(c->generate_count, 1);  // non-strategic agents generate messages

  const phantom::StepResult& s2 = env->step(actions);
  EXPECT_EQ(env->current_step(), 2);
  EXPECT_FALSE(s2.reported(0));  // A is done: not stepped, observed or rewarded again
  EXPECT_FALSE(s2.observed(0));
  EXPECT_FALSE(s2.has_reward(0));
  EXPECT_TRUE(s2.reported(1));
  EXPECT_TRUE(s2.observed(1));
  EXPECT_TRUE(s2.has_reward(1));
  EXPECT_FALSE(s2.terminated(1));
  EXPECT_FALSE(s2.truncated(1));
  EXPECT_FALSE(s2.all_terminated);
  EXPECT_TRUE(s2.all_truncated);  // the step limit
  EXPECT_EQ(a->decode_count, 1);
  EXPECT_EQ(a->encode_count, 2);  // reset and step 1
  EXPECT_EQ(a->reward_count, 1);
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
  try {
    env->step(actions);
    FAIL() << "a finished episode was stepped";
  } catch (const phantom::EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("after the episode ended at step 2"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(env->current_step(), 2);  // the failed step changed nothing
  EXPECT_TRUE(env->is_truncated());   // still truncated (Python's == made it false again)
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
    EXPECT_NE(std::string(e.what()).find("'C' is not a strategic agent"), std::string::npos)
        << e.what();
  }
  try {
    actions.set("nobody", {1.0f});
    FAIL() << "action for an unknown agent accepted";
  } catch (const phantom::EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("no agent with id 'nobody'"), std::string::npos)
        << e.what();
  }
  try {
    actions.set("A", {1.0f, 2.0f});
    FAIL() << "action of the wrong size accepted";
  } catch (const phantom::EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("'A' has 2 values"), std::string::npos) << e.what();
  }
  EXPECT_THROW(actions.set(std::string("C")), phantom::EnvError);  // the buffer form too
}

TEST_F(EnvTest, StepBeforeResetIsAnError) {
  phantom::Actions actions = env->make_actions();
  try {
    env->step(actions);
    FAIL() << "step before reset accepted";
  } catch (const phantom::EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("before reset()"), std::string::npos) << e.what();
  }
}

// Actions are laid out for one env; another env's buffer is rejected.
TEST_F(EnvTest, ActionsOfAnotherEnvAreAnError) {
  auto other = done_at(1, 1, true, 2);
  phantom::Actions foreign = other->make_actions();
  env->reset(1);
  try {
    env->step(foreign);
    FAIL() << "another env's actions accepted";
  } catch (const phantom::EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("another env"), std::string::npos) << e.what();
  }
  EXPECT_EQ(env->current_step(), 0);
}

// Fixed (a Python Phantom bug): construction has no side effects; agents are reset by reset() only.
TEST_F(EnvTest, ConstructionResetsNothing) {
  EXPECT_EQ(a->reset_count, 0);
  EXPECT_EQ(b->reset_count, 0);
  EXPECT_EQ(a->encode_count, 0);
  env->reset(1);
  EXPECT_EQ(a->reset_count, 1);
  EXPECT_EQ(b->reset_count, 1);
}

// Fixed: the env sizes its per-agent tables at construction, so an agent added to its network
// afterwards made reset() and step() read past them. It is now an EnvError.
TEST_F(EnvTest, AgentsAddedAfterConstructionAreAnError) {
  env->reset(1);
  phantom::Actions actions = env->make_actions();
  env->network().emplace<Plain>("late");
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (attempt == 0) {
        env->step(actions);
      } else {
        env->reset(1);
      }
      FAIL() << "a network that grew after construction was used (attempt " << attempt << ")";
    } catch (const phantom::EnvError& e) {
      EXPECT_NE(std::string(e.what()).find("has 4 agents but the env was built with 3"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(EnvConfig, NetworkAndStepLimitAreChecked) {
  EXPECT_THROW(phantom::PhantomEnv(nullptr, 2), phantom::ConfigError);
  for (int64_t bad : {0, -3}) {
    try {
      phantom::PhantomEnv(std::make_unique<phantom::Network>(), bad);
      FAIL() << "num_steps " << bad << " accepted";
    } catch (const phantom::ConfigError& e) {
      EXPECT_NE(
          std::string(e.what()).find("num_steps must be positive, got " + std::to_string(bad)),
          std::string::npos)
          << e.what();
    }
  }
  // No step limit at all is fine: the episode ends when the agents are done.
  auto env = done_at(1, 1, true, 5);
  EXPECT_EQ(env->num_steps(), 5);
  phantom::PhantomEnv unlimited(std::make_unique<phantom::Network>(), std::nullopt);
  EXPECT_FALSE(unlimited.num_steps().has_value());
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
