// SingleAgentEnvAdapter (Python Phantom's tests/test_single_agent_env_wrapper.py intent) and
// its fixes: non-strategic agents are fine, errors name the right agent.
#include <gtest/gtest.h>

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

}  // namespace
