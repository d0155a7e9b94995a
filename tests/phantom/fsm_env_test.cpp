// FiniteStateMachineEnv (Python Phantom's tests/fsm/*) with our reward-delivery rule.
#include <gtest/gtest.h>

#include "phantom/fsm_env.hpp"

namespace {

using phantom::Context;
using phantom::FiniteStateMachineEnv;
using phantom::FSMStage;

// Observes the elapsed fraction of the episode; counts calls; reward 0.
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
  int encodes = 0, decodes = 0, rewards = 0;
};

class Quiet : public phantom::Agent {
 public:
  using Agent::Agent;
};

std::unique_ptr<phantom::Network> network_of(std::initializer_list<std::string> strategic,
                                             std::initializer_list<std::string> plain = {}) {
  auto net = std::make_unique<phantom::Network>();
  for (const auto& id : strategic) net->emplace<Counting>(id);
  for (const auto& id : plain) net->emplace<Quiet>(id);
  return net;
}

Counting& agent(FiniteStateMachineEnv& env, const std::string& id) {
  return static_cast<Counting&>(env[id]);
}

// A handler stage that loops on itself runs (the decorator and list styles are one in C++).
TEST(FSMInit, HandlerStageRuns) {
  FSMStage a{"StageA", {"A"}, std::nullopt, {"StageA"}, [](FiniteStateMachineEnv&) {
               return std::optional<std::string>("StageA");
             }};
  FiniteStateMachineEnv env(network_of({}, {"A"}), 1, "StageA", {a});
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  EXPECT_NO_THROW(env.step(actions));
  EXPECT_EQ(*env.current_stage(), "StageA");
}

TEST(FSMValidation, Errors) {
  auto stage = [](std::string id, std::vector<std::string> next, bool handler) {
    FSMStage s{std::move(id), {}, std::nullopt, std::move(next), nullptr};
    if (handler) s.handler = [](FiniteStateMachineEnv&) { return std::optional<std::string>(); };
    return s;
  };
  auto message = [&](std::string initial, std::vector<FSMStage> stages) -> std::string {
    try {
      FiniteStateMachineEnv env(network_of({"A"}), 2, std::move(initial), std::move(stages));
    } catch (const phantom::FSMValidationError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message("A", {}).find("no stages"), std::string::npos);
  EXPECT_NE(message("A", {stage("A", {"A"}, true), stage("A", {"A"}, true)})
                .find("more than one stage with id 'A'"),
            std::string::npos);
  EXPECT_NE(message("B", {stage("A", {"A"}, true)}).find("initial stage 'B'"), std::string::npos);
  EXPECT_NE(message("A", {stage("A", {"B"}, true)}).find("next stage 'B' of stage 'A'"),
            std::string::npos);
  EXPECT_NE(message("A", {stage("A", {}, false)}).find("exactly one next stage (got 0)"),
            std::string::npos);
  FSMStage bad_agent{"A", {"ghost"}, std::nullopt, {"A"}, nullptr};
  EXPECT_NE(message("A", {bad_agent}).find("'ghost'"), std::string::npos);
}

TEST(FSMValidation, InvalidTransitionAtRuntime) {
  FSMStage a{"StageA", {"agent"}, std::nullopt, {"StageA"}, [](FiniteStateMachineEnv&) {
               return std::optional<std::string>("StageB");
             }};
  FSMStage b{"StageB", {"agent"}, std::nullopt, {"StageA"}, nullptr};
  FiniteStateMachineEnv env(network_of({"agent"}), 2, "StageA", {a, b});
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  actions.set("agent", {0.0f});
  try {
    env.step(actions);
    FAIL() << "invalid transition accepted";
  } catch (const phantom::FSMRuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("from stage 'StageA' to 'StageB'"), std::string::npos)
        << e.what();
  }
}

TEST(FSMDeterminism, IsFsmDeterministic) {
  auto to = [](const char* next) {
    return [next](FiniteStateMachineEnv&) { return std::optional<std::string>(next); };
  };
  FiniteStateMachineEnv loop(network_of({}), 3, "A", {{"A", {}, std::nullopt, {"A"}, nullptr}});
  EXPECT_TRUE(loop.is_fsm_deterministic());
  FiniteStateMachineEnv cycle(network_of({}), 3, "A",
                              {{"A", {}, std::nullopt, {"B"}, nullptr},
                               {"B", {}, std::nullopt, {"C"}, nullptr},
                               {"C", {}, std::nullopt, {"A"}, nullptr}});
  EXPECT_TRUE(cycle.is_fsm_deterministic());
  FiniteStateMachineEnv branching(
      network_of({}), 3, "A",
      {{"A", {}, std::nullopt, {"A", "B"}, to("A")}, {"B", {}, std::nullopt, {"A", "B"}, to("B")}});
  EXPECT_FALSE(branching.is_fsm_deterministic());
}

// ODD -> EVEN -> ODD with one agent acting in both and no rewarded list: observed and rewarded
// every step.
TEST(FSMOddEven, OneAgent) {
  FiniteStateMachineEnv env(network_of({"agent"}), 3, "ODD",
                            {{"ODD", {"agent"}, std::nullopt, {"EVEN"}, nullptr},
                             {"EVEN", {"agent"}, std::nullopt, {"ODD"}, nullptr}});
  const phantom::StepResult& r0 = env.reset(1);
  EXPECT_TRUE(r0.observed(0));
  EXPECT_EQ(r0.observation(0)[0], 0.0f);
  EXPECT_EQ(*env.current_stage(), "ODD");
  Counting& a = agent(env, "agent");
  EXPECT_EQ(a.rewards + 10 * a.encodes + 100 * a.decodes, 10);

  phantom::Actions actions = env.make_actions();
  actions.set("agent", {0.0f});
  const phantom::StepResult& r1 = env.step(actions);
  EXPECT_EQ(*env.current_stage(), "EVEN");
  EXPECT_EQ(*env.previous_stage(), "ODD");
  EXPECT_TRUE(r1.observed(0));
  EXPECT_FLOAT_EQ(r1.observation(0)[0], 1.0f / 3.0f);
  EXPECT_TRUE(r1.has_reward(0));
  EXPECT_EQ(r1.reward(0), 0.0);
  EXPECT_FALSE(r1.terminated(0) || r1.truncated(0) || r1.done());
  EXPECT_EQ(a.rewards, 1);
  EXPECT_EQ(a.encodes, 2);
  EXPECT_EQ(a.decodes, 1);
}

// ODD (odd_agent acts, is rewarded) -> EVEN (even_agent acts, is rewarded). A reward reaches its
// agent with that agent's next observation.
TEST(FSMOddEven, TwoAgents) {
  FiniteStateMachineEnv env(
      network_of({"odd_agent", "even_agent"}), 3, "ODD",
      {{"ODD", {"odd_agent"}, std::vector<std::string>{"odd_agent"}, {"EVEN"}, nullptr},
       {"EVEN", {"even_agent"}, std::vector<std::string>{"even_agent"}, {"ODD"}, nullptr}});
  const phantom::StepResult& r0 = env.reset(1);
  EXPECT_TRUE(r0.observed(0));
  EXPECT_FALSE(r0.observed(1));
  Counting &odd = agent(env, "odd_agent"), &even = agent(env, "even_agent");

  phantom::Actions actions = env.make_actions();
  actions.set("odd_agent", {0.0f});
  const phantom::StepResult& r1 = env.step(actions);
  EXPECT_EQ(*env.current_stage(), "EVEN");
  EXPECT_FALSE(r1.observed(0));
  EXPECT_TRUE(r1.observed(1));
  EXPECT_FLOAT_EQ(r1.observation(1)[0], 1.0f / 3.0f);
  EXPECT_FALSE(r1.has_reward(1));  // Python: {"even_agent": None}
  EXPECT_FALSE(r1.has_reward(0));  // odd's reward waits for its next observation
  EXPECT_EQ(odd.rewards, 1);
  EXPECT_EQ(odd.encodes, 1);
  EXPECT_EQ(odd.decodes, 1);
  EXPECT_EQ(even.rewards + even.decodes, 0);
  EXPECT_EQ(even.encodes, 1);

  actions.clear();
  actions.set("even_agent", {0.0f});
  const phantom::StepResult& r2 = env.step(actions);
  EXPECT_EQ(*env.current_stage(), "ODD");
  EXPECT_TRUE(r2.observed(0));
  EXPECT_FLOAT_EQ(r2.observation(0)[0], 2.0f / 3.0f);
  EXPECT_TRUE(r2.has_reward(0));
  EXPECT_EQ(r2.reward(0), 0.0);
  EXPECT_FALSE(r2.done());
  EXPECT_EQ(odd.encodes, 2);
  EXPECT_EQ(even.rewards + even.encodes + even.decodes, 3);
}

// Rewards earned between two observations are summed, not overwritten (Python kept the last).
class PaysTwo : public Counting {
 public:
  using Counting::Counting;
  double compute_reward(Context&) override { return 2.0; }
};

TEST(FSMRewards, AccumulateUntilObserved) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<PaysTwo>("a");
  net->emplace<Counting>("b");
  // Stage X rewards a and hands over to Y, where only b acts; Y rewards a again; then Z,
  // where a acts (so it is observed) — a's rewards from X and Y arrive together.
  FiniteStateMachineEnv env(std::move(net), 10, "X",
                            {{"X", {"a"}, std::vector<std::string>{"a"}, {"Y"}, nullptr},
                             {"Y", {"b"}, std::vector<std::string>{"a"}, {"Z"}, nullptr},
                             {"Z", {"a"}, std::vector<std::string>{"b"}, {"X"}, nullptr}});
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  const phantom::StepResult& r1 = env.step(actions);  // X -> Y: a rewarded, b observed
  EXPECT_FALSE(r1.has_reward(0));
  const phantom::StepResult& r2 = env.step(actions);  // Y -> Z: a rewarded and observed
  EXPECT_TRUE(r2.observed(0));
  EXPECT_TRUE(r2.has_reward(0));
  EXPECT_EQ(r2.reward(0), 4.0);
}

// One stage looping on itself, with and without a handler: the same sequence.
TEST(FSMOneState, WithAndWithoutHandler) {
  for (bool with_handler : {true, false}) {
    FSMStage unit{"UNIT", {"agent"}, std::nullopt, {"UNIT"}, nullptr};
    if (with_handler) {
      unit.handler = [](FiniteStateMachineEnv& env) {
        env.resolve_messages();
        return std::optional<std::string>("UNIT");
      };
    }
    auto net = network_of({"agent"});
    net->add_connection("agent", "agent");
    FiniteStateMachineEnv env(std::move(net), 2, "UNIT", {unit});
    Counting& a = agent(env, "agent");
    const phantom::StepResult& r0 = env.reset(1);
    EXPECT_EQ(r0.observation(0)[0], 0.0f);
    phantom::Actions actions = env.make_actions();
    actions.set("agent", {0.0f});
    const phantom::StepResult& r1 = env.step(actions);
    EXPECT_FLOAT_EQ(r1.observation(0)[0], 0.5f);
    EXPECT_EQ(r1.reward(0), 0.0);
    EXPECT_FALSE(r1.done());
    EXPECT_EQ(a.rewards + 10 * a.encodes + 100 * a.decodes, 121);
    const phantom::StepResult& r2 = env.step(actions);
    EXPECT_FLOAT_EQ(r2.observation(0)[0], 1.0f);
    EXPECT_FALSE(r2.all_terminated);
    EXPECT_TRUE(r2.all_truncated);
    EXPECT_EQ(a.rewards + 10 * a.encodes + 100 * a.decodes, 232);
    EXPECT_THROW(env.step(actions), phantom::EnvError);
  }
}

// A handler that returns nullopt ends the episode; the last step observes every live agent.
TEST(FSMEnd, HandlerEndsTheEpisode) {
  FSMStage only{"S", {"a"}, std::vector<std::string>{"a"}, {}, [](FiniteStateMachineEnv&) {
                  return std::optional<std::string>();
                }};
  FiniteStateMachineEnv env(network_of({"a", "b"}), 10, "S", {only});
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  const phantom::StepResult& r = env.step(actions);
  EXPECT_TRUE(r.all_terminated);
  EXPECT_TRUE(r.observed(0));
  EXPECT_TRUE(r.observed(1));
  EXPECT_TRUE(r.has_reward(0));
  EXPECT_FALSE(r.has_reward(1));
  EXPECT_EQ(env.current_stage(), nullptr);
}

}  // namespace
