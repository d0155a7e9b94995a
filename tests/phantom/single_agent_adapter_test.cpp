// SingleAgentEnvAdapter (Python Phantom's tests/test_single_agent_env_wrapper.py, one test per
// Python test) and its fixes of Python bugs: non-strategic agents are fine, errors name the
// right agent, agents that observed nothing do not act, reset takes a seed.
#include <gtest/gtest.h>

#include <limits>

#include "phantom/single_agent_adapter.hpp"
#include "supply_chain.hpp"

namespace {

using phantom::ConfigError;
using phantom::Context;

class Player : public phantom::StrategicAgent {
 public:
  explicit Player(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 10, {1}), phantom::box(0, 10, {1})) {}
  bool encode_observation(Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.env_view().current_step);
    return true;
  }
  void decode_action(Context&, const float* action) override { actions.push_back(action[0]); }
  double compute_reward(Context&) override { return 1.0; }
  std::vector<float> actions;
};

class Quiet : public phantom::Agent {
 public:
  using Agent::Agent;
};

// Returns observation + 0.5.
class FixedPolicy : public phantom::Policy {
 public:
  FixedPolicy() : Policy(phantom::box(0, 10, {1}), phantom::box(0, 10, {1})) {}
  void compute_action(const float* obs, float* action, nn::Rng&) override {
    action[0] = obs[0] + 0.5f;
  }
};

std::unique_ptr<phantom::PhantomEnv> two_players() {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Player>("A");
  net->emplace<Player>("B");
  net->emplace<Quiet>("C");  // a non-strategic agent (Python's adapter crashed on these)
  return std::make_unique<phantom::PhantomEnv>(std::move(net), 3);
}

// ---------------------------------------------------------------------------------------------
// Python's test_single_agent_env_wrapper.py: agents A and B observe 1.0, get reward 0, record
// their last action; B terminates at its first step. A is selected; B's policy returns 2.0.

constexpr float kInf = std::numeric_limits<float>::infinity();

class MockAgent : public phantom::StrategicAgent {
 public:
  explicit MockAgent(std::string id)
      : StrategicAgent(std::move(id), phantom::box(-kInf, kInf, {1}),
                       phantom::box(-kInf, kInf, {1})) {}
  bool encode_observation(Context&, float* out) override {
    out[0] = 1.0f;
    return true;
  }
  void decode_action(Context&, const float* action) override {
    last_action = action[0];
    ++decodes;
  }
  double compute_reward(Context&) override { return 0.0; }
  bool is_terminated(Context&) override { return id() == "B"; }
  float last_action = -1.0f;
  int decodes = 0;
};

class ReturnsTwo : public phantom::Policy {
 public:
  ReturnsTwo() : Policy(phantom::box(-kInf, kInf, {1}), phantom::box(-kInf, kInf, {1})) {}
  void compute_action(const float*, float* action, nn::Rng&) override { action[0] = 2.0f; }
};

std::unique_ptr<phantom::PhantomEnv> mock_env() {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<MockAgent>("A");
  net->emplace<MockAgent>("B");
  return std::make_unique<phantom::PhantomEnv>(std::move(net), 2);
}

phantom::SingleAgentEnvAdapter mock_adapter() {
  return phantom::SingleAgentEnvAdapter(mock_env(), "A", {{"B", std::make_shared<ReturnsTwo>()}});
}

// test_agent_ids
TEST(SingleAgentAdapterPython, AgentIds) {
  auto adapter = mock_adapter();
  EXPECT_EQ(adapter.env().agent_ids(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(adapter.agent_id(), "A");
}

// test_n_agents
TEST(SingleAgentAdapterPython, NAgents) {
  auto adapter = mock_adapter();
  EXPECT_EQ(adapter.env().n_agents(), 2);
}

// test_reset: the selected agent's first observation, and every agent's kept for the policies.
TEST(SingleAgentAdapterPython, Reset) {
  auto adapter = mock_adapter();
  auto t = adapter.reset(1);
  EXPECT_TRUE(t.observed);
  EXPECT_EQ(t.observation[0], 1.0f);
  EXPECT_TRUE(t.infos->empty());
  EXPECT_EQ(adapter.env().current_step(), 0);
  const phantom::StepResult& all = adapter.env().step_result();
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(all.observed(i)) << i;
    EXPECT_EQ(all.observation(i)[0], 1.0f) << i;
  }
}

// test_step: the selected agent's action is its own, the other's comes from its policy.
TEST(SingleAgentAdapterPython, Step) {
  auto adapter = mock_adapter();
  adapter.reset(1);
  float action = 3.0f;
  auto t1 = adapter.step(&action);
  EXPECT_EQ(adapter.env().current_step(), 1);
  EXPECT_TRUE(t1.observed);
  EXPECT_EQ(t1.observation[0], 1.0f);
  EXPECT_EQ(t1.reward, 0.0);
  EXPECT_FALSE(t1.terminated);
  EXPECT_FALSE(t1.truncated);
  EXPECT_TRUE(t1.infos->empty());
  auto& a = static_cast<MockAgent&>(adapter.env()["A"]);
  auto& b = static_cast<MockAgent&>(adapter.env()["B"]);
  EXPECT_EQ(a.last_action, 3.0f);
  EXPECT_EQ(b.last_action, 2.0f);

  // B terminated at step 1, so it no longer acts; the adapter still steps.
  action = 4.0f;
  auto t2 = adapter.step(&action);
  EXPECT_EQ(adapter.env().current_step(), 2);
  EXPECT_EQ(a.last_action, 4.0f);
  EXPECT_EQ(b.decodes, 1);
  EXPECT_TRUE(t2.truncated);  // the step limit
}

// test_bad_env: each inconsistent selection is a ConfigError.
TEST(SingleAgentAdapterPython, BadEnv) {
  auto policy = std::make_shared<ReturnsTwo>();
  using Policies = std::map<std::string, std::shared_ptr<phantom::Policy>>;
  auto build = [](std::string selected, Policies p) {
    phantom::SingleAgentEnvAdapter adapter(mock_env(), std::move(selected), std::move(p));
  };
  EXPECT_THROW(build("X", {{"B", policy}}), ConfigError);                 // X is not in the env
  EXPECT_THROW(build("A", {{"A", policy}, {"B", policy}}), ConfigError);  // A has a policy
  EXPECT_THROW(build("A", {{"X", policy}}), ConfigError);  // X is unknown and B has no policy
  EXPECT_THROW(build("A", {}), ConfigError);               // B has no policy
  EXPECT_NO_THROW(build("A", {{"B", policy}}));
}

// ---------------------------------------------------------------------------------------------

TEST(SingleAgentAdapter, OtherAgentsActThroughTheirPolicies) {
  phantom::SingleAgentEnvAdapter adapter(two_players(), "A",
                                         {{"B", std::make_shared<FixedPolicy>()}});
  EXPECT_EQ(adapter.observation_space()->to_string(), "Box(0, 10, (1,))");
  auto t0 = adapter.reset(1);
  EXPECT_TRUE(t0.observed);
  EXPECT_EQ(t0.observation[0], 0.0f);
  float action = 7.0f;
  auto t1 = adapter.step(&action);
  EXPECT_EQ(t1.observation[0], 1.0f);
  EXPECT_EQ(t1.reward, 1.0);
  EXPECT_FALSE(t1.terminated || t1.truncated);
  adapter.step(&action);
  auto t3 = adapter.step(&action);
  EXPECT_TRUE(t3.truncated);
  auto& a = static_cast<Player&>(adapter.env()["A"]);
  auto& b = static_cast<Player&>(adapter.env()["B"]);
  EXPECT_EQ(a.actions, (std::vector<float>{7, 7, 7}));
  EXPECT_EQ(b.actions, (std::vector<float>{0.5f, 1.5f, 2.5f}));  // observation + 0.5
}

// The supply chain (one strategic agent among six others) runs through the adapter exactly as
// it runs directly.
TEST(SingleAgentAdapter, SupplyChainMatchesTheEnv) {
  phantom::SingleAgentEnvAdapter adapter(supply_chain::make_env(), "SHOP", {});
  auto env = supply_chain::make_env();
  phantom::Actions actions = env->make_actions();
  adapter.reset(9);
  env->reset(9);
  for (int step = 0; step < 100; ++step) {
    float order = static_cast<float>(step % 13);
    actions.set(0)[0] = order;
    const phantom::StepResult& direct = env->step(actions);
    auto t = adapter.step(&order);
    ASSERT_EQ(t.reward, direct.reward(0)) << step;
    ASSERT_EQ(std::vector<float>(t.observation, t.observation + 3), direct.observation_vector(0));
  }
}

TEST(SingleAgentAdapter, Errors) {
  auto message = [](std::string selected,
                    std::map<std::string, std::shared_ptr<phantom::Policy>> p) {
    try {
      phantom::SingleAgentEnvAdapter adapter(two_players(), std::move(selected), std::move(p));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto fixed = std::make_shared<FixedPolicy>();
  EXPECT_NE(message("ghost", {{"B", fixed}}).find("'ghost'"), std::string::npos);
  EXPECT_NE(message("C", {{"B", fixed}}).find("'C' is not a strategic agent"), std::string::npos);
  EXPECT_NE(message("A", {{"A", fixed}, {"B", fixed}}).find("must not also be given a policy"),
            std::string::npos);
  // Fixed: the message names the agent without a policy (Python named the selected one).
  EXPECT_NE(message("A", {}).find("'B' takes actions but has no policy"), std::string::npos);
  EXPECT_NE(message("A", {{"B", fixed}, {"C", fixed}}).find("'C', which is not a strategic"),
            std::string::npos);

  class WrongSpaces : public phantom::Policy {
   public:
    WrongSpaces() : Policy(phantom::discrete(2), phantom::box(0, 10, {1})) {}
    void compute_action(const float*, float*, nn::Rng&) override {}
  };
  EXPECT_NE(message("A", {{"B", std::make_shared<WrongSpaces>()}}).find("has spaces Discrete(2)"),
            std::string::npos);
}

// Fixed: stepping before reset is the env's EnvError (Python raised KeyError).
TEST(SingleAgentAdapter, StepBeforeResetIsAnEnvError) {
  auto adapter = mock_adapter();
  float action = 1.0f;
  EXPECT_THROW(adapter.step(&action), phantom::EnvError);
}

// Observes (and is observed) only on even steps.
class EvenObserver : public Player {
 public:
  using Player::Player;
  bool encode_observation(Context& ctx, float* out) override {
    if (ctx.env_view().current_step % 2 != 0) return false;
    return Player::encode_observation(ctx, out);
  }
  void generate_messages(Context&) override { ++generated; }
  int generated = 0;
};

// Fixed: an agent that observed nothing last step does not act; it generates messages instead
// (Python raised KeyError looking up its observation).
TEST(SingleAgentAdapter, AgentsThatObservedNothingDoNotAct) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Player>("A");
  auto& b = net->emplace<EvenObserver>("B");
  phantom::SingleAgentEnvAdapter adapter(std::make_unique<phantom::PhantomEnv>(std::move(net), 4),
                                         "A", {{"B", std::make_shared<FixedPolicy>()}});
  adapter.reset(1);  // step 0: B observes 0
  float action = 1.0f;
  for (int i = 0; i < 4; ++i) adapter.step(&action);
  // B acted after steps 0 and 2 (which it observed), and generated messages at steps 2 and 4.
  EXPECT_EQ(b.actions, (std::vector<float>{0.5f, 2.5f}));
  EXPECT_EQ(b.generated, 2);
}

// Fixed: reset takes a seed, which seeds the env (and the policies' generator).
class NoisyPlayer : public Player {
 public:
  using Player::Player;
  bool encode_observation(Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.rng().uniform()) * 10.0f;
    return true;
  }
};

TEST(SingleAgentAdapter, ResetSeedsTheEnv) {
  auto observations = [](uint64_t seed) {
    auto net = std::make_unique<phantom::Network>();
    net->emplace<NoisyPlayer>("A");
    phantom::SingleAgentEnvAdapter adapter(std::make_unique<phantom::PhantomEnv>(std::move(net), 3),
                                           "A", {});
    std::vector<float> seen{adapter.reset(seed).observation[0]};
    float action = 0.0f;
    for (int i = 0; i < 3; ++i) seen.push_back(adapter.step(&action).observation[0]);
    return seen;
  };
  EXPECT_EQ(observations(5), observations(5));
  EXPECT_NE(observations(5), observations(6));
}

TEST(SingleAgentAdapter, NullEnvPolicyAndSpacesAreErrors) {
  try {
    phantom::SingleAgentEnvAdapter adapter(nullptr, "A", {});
    FAIL() << "null env accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("an env is required"), std::string::npos) << e.what();
  }
  try {
    phantom::SingleAgentEnvAdapter adapter(two_players(), "A", {{"B", nullptr}});
    FAIL() << "null policy accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("null policy for 'B'"), std::string::npos) << e.what();
  }
  class NoSpaces : public phantom::Policy {
   public:
    NoSpaces() : Policy(nullptr, phantom::box(0, 1, {1})) {}
    void compute_action(const float*, float*, nn::Rng&) override {}
  };
  try {
    NoSpaces p;
    FAIL() << "a policy without an observation space was built";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("spaces must both be given"), std::string::npos)
        << e.what();
  }
}

}  // namespace
