// FiniteStateMachineEnv (Python Phantom's tests/fsm/*, one test per Python test) with our
// reward-delivery rule, and the fixes of Python's FSM bugs.
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
  // (rewards, encodes, decodes), the order of Python's count assertions.
  std::vector<int> counts() const { return {rewards, encodes, decodes}; }
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

// tests/fsm/test_fsm_init.py: a non-strategic agent, one stage looping on itself through a
// handler; reset and one step must run. Python declared the stage with a decorator on a method
// or in a list with handler=self.handle; C++ has one form (stages are data), tried here with a
// member function of an env subclass and with a free function.
class SelfLoopEnv : public FiniteStateMachineEnv {
 public:
  SelfLoopEnv()
      : FiniteStateMachineEnv(
            network_of({}, {"A"}), 1, "StageA",
            {{"StageA", {"A"}, std::nullopt, {"StageA"}, [](FiniteStateMachineEnv& env) {
                return static_cast<SelfLoopEnv&>(env).handle();
              }}}) {}
  std::optional<std::string> handle() {
    ++handled;
    return "StageA";
  }
  int handled = 0;
};

// test_decorator_style: the handler is a method of the env.
TEST(FSMInit, DecoratorStyle) {
  SelfLoopEnv env;
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  EXPECT_NO_THROW(env.step(actions));
  EXPECT_EQ(env.handled, 1);
  EXPECT_EQ(*env.current_stage(), "StageA");
  EXPECT_TRUE(env.done());  // num_steps = 1
}

std::optional<std::string> stay_in_a(FiniteStateMachineEnv&) {
  return "StageA";
}

// test_state_definition_list_style: the stage list is given to the constructor.
TEST(FSMInit, StateDefinitionListStyle) {
  FSMStage a{"StageA", {"A"}, std::nullopt, {"StageA"}, stay_in_a};
  FiniteStateMachineEnv env(network_of({}, {"A"}), 1, "StageA", {a});
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  EXPECT_NO_THROW(env.step(actions));
  EXPECT_EQ(*env.current_stage(), "StageA");
  EXPECT_EQ(*env.previous_stage(), "StageA");
}

// tests/fsm/test_fsm_validation.py: every inconsistency is an FSMValidationError at
// construction, naming what is wrong.
FSMStage stage(std::string id, std::vector<std::string> next, bool handler) {
  FSMStage s{std::move(id), {}, std::nullopt, std::move(next), nullptr};
  if (handler) s.handler = [](FiniteStateMachineEnv&) { return std::optional<std::string>(); };
  return s;
}

std::string validation_error(std::string initial, std::vector<FSMStage> stages) {
  try {
    FiniteStateMachineEnv env(network_of({"A"}, {"P"}), 2, std::move(initial), std::move(stages));
  } catch (const phantom::FSMValidationError& e) {
    return e.what();
  }
  return "(no FSMValidationError)";
}

// test_no_stages_registered
TEST(FSMValidation, NoStagesRegistered) {
  EXPECT_EQ(validation_error("A", {}), "FiniteStateMachineEnv: no stages given");
}

// test_duplicate_stages
TEST(FSMValidation, DuplicateStages) {
  std::string what = validation_error("A", {stage("A", {"A"}, true), stage("A", {"A"}, true)});
  EXPECT_NE(what.find("more than one stage with id 'A'"), std::string::npos) << what;
  // Also when only one of them has a handler (Python silently kept the first of a list).
  what = validation_error("A", {stage("A", {"A"}, false), stage("A", {"A"}, true)});
  EXPECT_NE(what.find("more than one stage with id 'A'"), std::string::npos) << what;
}

// test_invalid_initial_stage
TEST(FSMValidation, InvalidInitialStage) {
  std::string what = validation_error("B", {stage("A", {"A"}, true)});
  EXPECT_NE(what.find("initial stage 'B' is not a stage"), std::string::npos) << what;
}

// test_invalid_next_state
TEST(FSMValidation, InvalidNextState) {
  std::string what = validation_error("A", {stage("A", {"B"}, true)});
  EXPECT_NE(what.find("next stage 'B' of stage 'A' is not a stage"), std::string::npos) << what;
}

// test_invalid_no_handler_stage_next_stages: without a handler a stage needs exactly one next
// stage (Python only checked for none, and failed at run time for several).
TEST(FSMValidation, InvalidNoHandlerStageNextStages) {
  std::string what = validation_error("A", {stage("A", {}, false)});
  EXPECT_NE(what.find("stage 'A' has no handler, so it needs exactly one next stage (got 0)"),
            std::string::npos)
      << what;
  what = validation_error("A", {stage("A", {"A", "B"}, false), stage("B", {"A"}, false)});
  EXPECT_NE(what.find("exactly one next stage (got 2)"), std::string::npos) << what;
}

// Acting agents must exist; rewarded agents must be strategic agents.
TEST(FSMValidation, UnknownOrNonStrategicAgents) {
  FSMStage bad_actor{"A", {"ghost"}, std::nullopt, {"A"}, nullptr};
  std::string what = validation_error("A", {bad_actor});
  EXPECT_NE(what.find("acting agent 'ghost' of stage 'A' is not in the network"), std::string::npos)
      << what;
  for (const char* id : {"ghost", "P"}) {  // unknown, and a plain (non-strategic) agent
    FSMStage bad_reward{"A", {"A"}, std::vector<std::string>{id}, {"A"}, nullptr};
    what = validation_error("A", {bad_reward});
    EXPECT_NE(
        what.find("rewarded agent '" + std::string(id) + "' of stage 'A' is not a strategic agent"),
        std::string::npos)
        << what;
  }
  // A plain agent may act (it generates messages).
  FSMStage plain_acts{"A", {"P"}, std::vector<std::string>{"A"}, {"A"}, nullptr};
  EXPECT_EQ(validation_error("A", {plain_acts}), "(no FSMValidationError)");
}

// test_invalid_next_state_runtime: a handler may only move to one of its stage's next stages.
TEST(FSMValidation, InvalidNextStateRuntime) {
  // "StageB" is not a next stage of StageA, whether or not it is a stage at all.
  for (bool b_exists : {true, false}) {
    FSMStage a{"StageA", {"agent"}, std::nullopt, {"StageA"}, [](FiniteStateMachineEnv&) {
                 return std::optional<std::string>("StageB");
               }};
    std::vector<FSMStage> stages{a};
    if (b_exists) stages.push_back({"StageB", {"agent"}, std::nullopt, {"StageA"}, nullptr});
    FiniteStateMachineEnv env(network_of({"agent"}), 2, "StageA", stages);
    env.reset(1);
    phantom::Actions actions = env.make_actions();
    actions.set("agent", {0.0f});
    try {
      env.step(actions);
      FAIL() << "invalid transition accepted";
    } catch (const phantom::FSMRuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find(
                    "invalid transition from stage 'StageA' to 'StageB' (allowed: ['StageA'])"),
                std::string::npos)
          << e.what();
    }
  }
}

// tests/fsm/test_is_fsm_deterministic.py
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

// tests/fsm/test_odd_even_one_agent.py: ODD -> EVEN -> ODD with one agent acting in both and no
// rewarded list: observed and rewarded every step.
TEST(FSMOddEven, OneAgent) {
  FiniteStateMachineEnv env(network_of({"agent"}), 3, "ODD",
                            {{"ODD", {"agent"}, std::nullopt, {"EVEN"}, nullptr},
                             {"EVEN", {"agent"}, std::nullopt, {"ODD"}, nullptr}});
  const phantom::StepResult& r0 = env.reset(1);
  EXPECT_TRUE(r0.observed(0));
  EXPECT_EQ(r0.observation(0)[0], 0.0f);
  EXPECT_EQ(*env.current_stage(), "ODD");
  Counting& a = agent(env, "agent");
  EXPECT_EQ(a.counts(), (std::vector<int>{0, 1, 0}));

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
  EXPECT_TRUE(r1.infos(0).empty());
  EXPECT_EQ(a.counts(), (std::vector<int>{1, 2, 1}));
}

// tests/fsm/test_odd_even_two_agents.py: ODD (odd_agent acts, is rewarded) -> EVEN (even_agent
// acts, is rewarded). A reward reaches its agent with that agent's next observation.
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
  EXPECT_FALSE(r1.terminated(0) || r1.truncated(0) || r1.terminated(1) || r1.truncated(1));
  EXPECT_FALSE(r1.all_terminated || r1.all_truncated);
  EXPECT_TRUE(r1.infos(1).empty());
  EXPECT_EQ(odd.counts(), (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(even.counts(), (std::vector<int>{0, 1, 0}));

  actions.clear();
  actions.set("even_agent", {0.0f});
  const phantom::StepResult& r2 = env.step(actions);
  EXPECT_EQ(*env.current_stage(), "ODD");
  EXPECT_TRUE(r2.observed(0));
  EXPECT_FLOAT_EQ(r2.observation(0)[0], 2.0f / 3.0f);
  EXPECT_TRUE(r2.has_reward(0));
  EXPECT_EQ(r2.reward(0), 0.0);
  EXPECT_FALSE(r2.observed(1));
  EXPECT_FALSE(r2.done());
  EXPECT_TRUE(r2.infos(0).empty());
  EXPECT_EQ(odd.counts(), (std::vector<int>{1, 2, 1}));
  EXPECT_EQ(even.counts(), (std::vector<int>{1, 1, 1}));
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

// tests/fsm/test_one_state.py: one strategic agent, stage UNIT -> UNIT, two steps. Both tests
// check the same sequence; they differ in how the stage is defined. (Python also connects the
// agent to itself; no message uses that edge, and this port refuses self-connections.)
void check_one_state(FSMStage unit) {
  auto net = network_of({"agent"});
  FiniteStateMachineEnv env(std::move(net), 2, "UNIT", {std::move(unit)});
  Counting& a = agent(env, "agent");
  const phantom::StepResult& r0 = env.reset(1);
  EXPECT_TRUE(r0.observed(0));
  EXPECT_EQ(r0.observation(0)[0], 0.0f);
  EXPECT_EQ(a.counts(), (std::vector<int>{0, 1, 0}));

  phantom::Actions actions = env.make_actions();
  actions.set("agent", {0.0f});
  const phantom::StepResult& r1 = env.step(actions);
  EXPECT_EQ(*env.current_stage(), "UNIT");
  EXPECT_EQ(a.counts(), (std::vector<int>{1, 2, 1}));
  EXPECT_FLOAT_EQ(r1.observation(0)[0], 0.5f);
  EXPECT_TRUE(r1.has_reward(0));
  EXPECT_EQ(r1.reward(0), 0.0);
  EXPECT_FALSE(r1.terminated(0) || r1.truncated(0) || r1.done());
  EXPECT_TRUE(r1.infos(0).empty());

  const phantom::StepResult& r2 = env.step(actions);
  EXPECT_EQ(a.counts(), (std::vector<int>{2, 3, 2}));
  EXPECT_FLOAT_EQ(r2.observation(0)[0], 1.0f);
  EXPECT_EQ(r2.reward(0), 0.0);
  EXPECT_FALSE(r2.terminated(0));
  EXPECT_FALSE(r2.all_terminated);
  EXPECT_TRUE(r2.all_truncated);
  EXPECT_THROW(env.step(actions), phantom::EnvError);  // the episode is over
}

// test_one_state_with_handler
TEST(FSMOneState, WithHandler) {
  int calls = 0;
  check_one_state({"UNIT", {"agent"}, std::nullopt, {"UNIT"}, [&calls](FiniteStateMachineEnv& env) {
                     ++calls;
                     env.resolve_messages();
                     return std::optional<std::string>("UNIT");
                   }});
  EXPECT_EQ(calls, 2);
}

// test_one_state_without_handler
TEST(FSMOneState, WithoutHandler) {
  check_one_state({"UNIT", {"agent"}, std::nullopt, {"UNIT"}, nullptr});
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
  EXPECT_TRUE(env.is_terminated());  // the env agrees with its step result
  EXPECT_TRUE(r.observed(0));
  EXPECT_TRUE(r.observed(1));
  EXPECT_TRUE(r.has_reward(0));
  EXPECT_FALSE(r.has_reward(1));
  EXPECT_EQ(env.current_stage(), nullptr);
  env.reset(2);  // a new episode is not ended
  EXPECT_FALSE(env.is_terminated());
}

// Kept as in Python and documented: a stage without a rewarded list rewards and
// observes every strategic agent, not only the next stage's acting agents.
TEST(FSMObservers, NoRewardedListObservesEveryStrategicAgent) {
  FiniteStateMachineEnv env(network_of({"a", "b"}), 5, "S",
                            {{"S", {"a"}, std::nullopt, {"T"}, nullptr},
                             {"T", {"a"}, std::vector<std::string>{"a"}, {"S"}, nullptr}});
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  const phantom::StepResult& r1 = env.step(actions);  // S: everyone observed and rewarded
  EXPECT_TRUE(r1.observed(1));
  EXPECT_TRUE(r1.has_reward(1));
  EXPECT_EQ(agent(env, "b").counts(), (std::vector<int>{1, 1, 0}));
  const phantom::StepResult& r2 = env.step(actions);  // T: only the next stage's actor, a
  EXPECT_TRUE(r2.observed(0));
  EXPECT_FALSE(r2.observed(1));
  EXPECT_EQ(agent(env, "b").counts(), (std::vector<int>{1, 1, 0}));
}

// An agent whose observation draws from the env's generator.
class Noisy : public Counting {
 public:
  using Counting::Counting;
  bool encode_observation(Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.rng().uniform());
    return true;
  }
};

// Fixed (a Python Phantom bug): reset(seed) seeds the FSM env (Python's FSM ignored the seed).
TEST(FSMReset, SeedRestartsTheGenerator) {
  auto run = [](uint64_t seed) {
    auto net = std::make_unique<phantom::Network>();
    net->emplace<Noisy>("a");
    FiniteStateMachineEnv env(std::move(net), 3, "S", {{"S", {"a"}, std::nullopt, {"S"}, nullptr}});
    std::vector<float> seen{env.reset(seed).observation(0)[0]};
    phantom::Actions actions = env.make_actions();
    for (int i = 0; i < 3; ++i) seen.push_back(env.step(actions).observation(0)[0]);
    seen.push_back(env.reset(seed).observation(0)[0]);  // a second episode, same seed
    return seen;
  };
  std::vector<float> first = run(3);
  EXPECT_EQ(first, run(3));
  EXPECT_NE(first, run(4));
  EXPECT_EQ(first.front(), first.back());
}

// Fixed (a Python Phantom bug): reset clears the stage history, the reported observations and the
// rewards waiting for delivery (Python kept previous_stage and its cumulative dicts).
TEST(FSMReset, ClearsStageHistoryObservationsAndPendingRewards) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<PaysTwo>("odd_agent");
  net->emplace<Counting>("even_agent");
  FiniteStateMachineEnv env(
      std::move(net), 2, "ODD",
      {{"ODD", {"odd_agent"}, std::vector<std::string>{"odd_agent"}, {"EVEN"}, nullptr},
       {"EVEN", {"even_agent"}, std::vector<std::string>{"even_agent"}, {"ODD"}, nullptr}});
  phantom::Actions actions = env.make_actions();

  // A full episode: the last step observes everyone.
  env.reset(1);
  env.step(actions);
  const phantom::StepResult& last = env.step(actions);
  ASSERT_TRUE(last.done());
  EXPECT_TRUE(last.observed(0) && last.observed(1));
  EXPECT_EQ(*env.previous_stage(), "EVEN");

  const phantom::StepResult& again = env.reset(2);
  EXPECT_EQ(env.previous_stage(), nullptr);
  EXPECT_EQ(*env.current_stage(), "ODD");
  EXPECT_TRUE(again.observed(0));
  EXPECT_FALSE(again.observed(1));  // not carried over from the previous episode
  EXPECT_FALSE(again.has_reward(0) || again.has_reward(1));

  // Reset in the middle of an episode, while odd_agent's reward of step 1 waits for delivery.
  const phantom::StepResult& s1 = env.step(actions);
  EXPECT_FALSE(s1.observed(0));
  EXPECT_FALSE(s1.has_reward(0));
  env.reset(3);
  env.step(actions);
  const phantom::StepResult& end = env.step(actions);
  ASSERT_TRUE(end.has_reward(0));
  EXPECT_EQ(end.reward(0), 2.0);  // this episode's reward only, not 4
}

}  // namespace
