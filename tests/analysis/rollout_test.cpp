// Tests of the rollout records (analysis/rollout.hpp): Python's test_rollout_class, the four
// *_for_agent methods that test meant to check (it called rewards_for_agent instead), stage
// filters, steps_for_agent (which always raised in Python), action counts in Counter.most_common
// order, and errors that name the agent, index, param or metric.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/rollout.hpp"
#include "nn/error.hpp"
#include "test_files.hpp"

namespace {

using analysis_test::error_message;
using phantom::ActionCount;
using phantom::AgentActionCount;
using phantom::AgentRecord;
using phantom::Infos;
using phantom::Rollout;
using phantom::StageFilter;
using phantom::Step;
using phantom::ValueError;

using Vec = std::vector<float>;
using OptVec = std::optional<Vec>;

Infos infos(const std::string& key, double value) {
  Infos i;
  i.set(key, value);
  return i;
}

Step step(int64_t i, std::vector<AgentRecord> agents, std::string stage = "") {
  Step s;
  s.i = i;
  s.stage = std::move(stage);
  s.agents = std::move(agents);
  return s;
}

// A rollout of these agents (ids, observation and action sizes) made of `steps`.
Rollout make_rollout(std::vector<std::string> ids, std::vector<int64_t> observation_sizes,
                     std::vector<int64_t> action_sizes, const std::vector<Step>& steps,
                     int64_t rollout_id = 0) {
  Rollout r(std::move(ids), std::move(observation_sizes), std::move(action_sizes));
  r.rollout_id = rollout_id;
  for (const Step& s : steps) r.append(s);
  return r;
}

AgentRecord acted(Vec action) {
  AgentRecord r;
  r.action = std::move(action);
  return r;
}

// Python's test_rollout_class: (1) every entry present, (2) only a reward, (3) nothing.
Rollout python_rollout() {
  AgentRecord full;
  full.observation = Vec{1};
  full.reward = 1.0;
  full.terminated = false;
  full.truncated = false;
  full.info = infos("info", 1);
  full.action = Vec{1};
  // Python's step 2 had `rewards = {"agent": None}`. Our records have no "present but None": a
  // reward is reported or absent. The port keeps step 2 as the step with only a reward.
  AgentRecord reward_only;
  reward_only.reward = 0.5;

  return make_rollout({"agent"}, {1}, {1},
                      {step(0, {full}), step(1, {reward_only}), step(2, {AgentRecord{}})}, 7);
}

// Two agents over four steps of a two-stage FSM: A acts in stage "odd" with [1] then [2], B in
// stage "even" with [5] each time.
Rollout fsm_rollout() {
  AgentRecord a0 = acted({1});
  a0.observation = Vec{0.5f};
  a0.reward = 0.25;
  a0.terminated = false;
  a0.truncated = false;
  AgentRecord b1 = acted({5});
  b1.observation = Vec{1, 2};
  b1.info = infos("price", 3);
  return make_rollout(
      {"A", "B"}, {1, 2}, {1, 1},
      {step(0, {a0, AgentRecord{}}, "odd"), step(1, {AgentRecord{}, b1}, "even"),
       step(2, {acted({2}), AgentRecord{}}, "odd"), step(3, {AgentRecord{}, acted({5})}, "even")},
      3);
}

std::vector<std::optional<double>> info_values(const std::vector<std::optional<Infos>>& infos,
                                               const std::string& key) {
  std::vector<std::optional<double>> out;
  for (const auto& i : infos) {
    std::optional<double> value;
    if (i) {
      for (const auto& [k, v] : i->items()) {
        if (k == key) value = v;
      }
    }
    out.push_back(value);
  }
  return out;
}

std::vector<std::pair<OptVec, int64_t>> pairs(const std::vector<AgentActionCount>& counts) {
  std::vector<std::pair<OptVec, int64_t>> out;
  for (const auto& c : counts) out.emplace_back(c.action, c.count);
  return out;
}

std::vector<std::pair<Vec, int64_t>> pairs(const std::vector<ActionCount>& counts) {
  std::vector<std::pair<Vec, int64_t>> out;
  for (const auto& c : counts) out.emplace_back(c.action, c.count);
  return out;
}

TEST(Rollout, PythonTestRolloutClassObservationsAndRewards) {
  const Rollout r = python_rollout();
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r.observations_for_agent("agent"),
            (std::vector<OptVec>{Vec{1}, std::nullopt, std::nullopt}));
  EXPECT_EQ(r.observations_for_agent("agent", true), (std::vector<OptVec>{Vec{1}}));
  EXPECT_EQ(r.rewards_for_agent("agent"),
            (std::vector<std::optional<double>>{1.0, 0.5, std::nullopt}));
  // Python dropped step 2's None value; here step 2's reward is present, so it stays.
  EXPECT_EQ(r.rewards_for_agent("agent", true), (std::vector<std::optional<double>>{1.0, 0.5}));
}

TEST(Rollout, PythonTestRolloutClassTerminationsTruncationsInfosAndActions) {
  const Rollout r = python_rollout();
  using Flags = std::vector<std::optional<bool>>;
  EXPECT_EQ(r.terminations_for_agent("agent"), (Flags{false, std::nullopt, std::nullopt}));
  EXPECT_EQ(r.terminations_for_agent("agent", true), (Flags{false}));
  EXPECT_EQ(r.truncations_for_agent("agent"), (Flags{false, std::nullopt, std::nullopt}));
  EXPECT_EQ(r.truncations_for_agent("agent", true), (Flags{false}));
  EXPECT_EQ(info_values(r.infos_for_agent("agent"), "info"),
            (std::vector<std::optional<double>>{1.0, std::nullopt, std::nullopt}));
  EXPECT_EQ(r.infos_for_agent("agent", true).size(), 1u);
  EXPECT_EQ(r.actions_for_agent("agent"),
            (std::vector<OptVec>{Vec{1}, std::nullopt, std::nullopt}));
  EXPECT_EQ(r.actions_for_agent("agent", true), (std::vector<OptVec>{Vec{1}}));
}

TEST(Rollout, DropNonesKeepsEachAgentsOwnSteps) {
  const Rollout r = fsm_rollout();
  EXPECT_EQ(r.actions_for_agent("A", true), (std::vector<OptVec>{Vec{1}, Vec{2}}));
  EXPECT_EQ(r.actions_for_agent("B", true), (std::vector<OptVec>{Vec{5}, Vec{5}}));
  EXPECT_EQ(r.observations_for_agent("B"),
            (std::vector<OptVec>{std::nullopt, Vec{1, 2}, std::nullopt, std::nullopt}));
  EXPECT_EQ(info_values(r.infos_for_agent("B", true), "price"),
            (std::vector<std::optional<double>>{3.0}));
  EXPECT_EQ(r.rewards_for_agent("A", true), (std::vector<std::optional<double>>{0.25}));
  EXPECT_TRUE(r.rewards_for_agent("B", true).empty());
}

TEST(Rollout, StageFiltersKeepOnlyTheListedStages) {
  const Rollout r = fsm_rollout();
  // nullopt keeps every step.
  EXPECT_EQ(r.actions_for_agent("A", false, std::nullopt).size(), 4u);
  EXPECT_EQ(r.actions_for_agent("A", false, StageFilter{{"odd"}}),
            (std::vector<OptVec>{Vec{1}, Vec{2}}));
  EXPECT_EQ(r.actions_for_agent("A", false, StageFilter{{"even"}}),
            (std::vector<OptVec>{std::nullopt, std::nullopt}));
  EXPECT_EQ(r.actions_for_agent("A", true, StageFilter{{"even"}}), (std::vector<OptVec>{}));
  EXPECT_EQ(r.actions_for_agent("A", false, StageFilter{{"even", "odd"}}).size(), 4u);
  // An empty list keeps none; a stage that never ran matches nothing.
  EXPECT_TRUE(r.actions_for_agent("A", false, StageFilter{std::vector<std::string>{}}).empty());
  EXPECT_TRUE(r.observations_for_agent("B", false, StageFilter{{"other"}}).empty());
  EXPECT_EQ(r.steps_for_agent("B", StageFilter{{"even"}}).size(), 2u);
  EXPECT_TRUE(r.count_actions(StageFilter{std::vector<std::string>{}}).empty());
  EXPECT_EQ(pairs(r.count_actions(StageFilter{{"odd"}})),
            (std::vector<std::pair<Vec, int64_t>>{{Vec{1}, 1}, {Vec{2}, 1}}));
  EXPECT_EQ(pairs(r.count_agent_actions("B", StageFilter{{"odd"}})),
            (std::vector<std::pair<OptVec, int64_t>>{{std::nullopt, 2}}));
}

TEST(Rollout, StepsForAgentCarriesTheStepNumberStageAndRecord) {
  const Rollout r = fsm_rollout();
  const std::vector<phantom::AgentStep> steps = r.steps_for_agent("A");
  ASSERT_EQ(steps.size(), 4u);
  for (std::size_t k = 0; k < steps.size(); ++k) {
    EXPECT_EQ(steps[k].i, static_cast<int64_t>(k));
    EXPECT_EQ(steps[k].stage, k % 2 == 0 ? "odd" : "even");
  }
  EXPECT_EQ(steps[0].observation, OptVec(Vec{0.5f}));
  EXPECT_EQ(steps[0].reward, std::optional<double>(0.25));
  EXPECT_EQ(steps[0].terminated, std::optional<bool>(false));
  EXPECT_EQ(steps[0].truncated, std::optional<bool>(false));
  EXPECT_FALSE(steps[0].info.has_value());
  EXPECT_EQ(steps[0].action, OptVec(Vec{1}));
  EXPECT_FALSE(steps[1].action.has_value());
  EXPECT_FALSE(steps[1].observation.has_value());
  EXPECT_EQ(steps[2].action, OptVec(Vec{2}));

  const std::vector<phantom::AgentStep> b = r.steps_for_agent("B", StageFilter{{"even"}});
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].i, 1);
  EXPECT_EQ(b[0].observation, OptVec(Vec{1, 2}));
  ASSERT_TRUE(b[0].info.has_value());
  EXPECT_EQ(b[0].info->items(), (std::vector<std::pair<std::string, double>>{{"price", 3.0}}));
  EXPECT_EQ(b[1].i, 3);
  EXPECT_EQ(b[1].action, OptVec(Vec{5}));
}

TEST(Rollout, CountActionsMostCommonFirstAndTiesInOrderOfFirstAppearance) {
  // In order of appearance: [3] [1] | [2] - | [1] [3] | [2] [4]: counts [3]2 [1]2 [2]2 [4]1.
  Rollout r = make_rollout({"A", "B"}, {0, 0}, {1, 1},
                           {step(0, {acted({3}), acted({1})}), step(1, {acted({2}), AgentRecord{}}),
                            step(2, {acted({1}), acted({3})}), step(3, {acted({2}), acted({4})})});
  EXPECT_EQ(pairs(r.count_actions()), (std::vector<std::pair<Vec, int64_t>>{
                                          {Vec{3}, 2}, {Vec{1}, 2}, {Vec{2}, 2}, {Vec{4}, 1}}));
  // A more common action moves ahead of one that appeared earlier.
  r.append(step(4, {acted({4}), acted({4})}));
  EXPECT_EQ(pairs(r.count_actions()), (std::vector<std::pair<Vec, int64_t>>{
                                          {Vec{4}, 3}, {Vec{3}, 2}, {Vec{1}, 2}, {Vec{2}, 2}}));
  // Multi-component actions are compared whole.
  const Rollout m =
      make_rollout({"A"}, {0}, {2},
                   {step(0, {acted({1, 2})}), step(1, {acted({2, 1})}), step(2, {acted({1, 2})})});
  EXPECT_EQ(pairs(m.count_actions()),
            (std::vector<std::pair<Vec, int64_t>>{{Vec{1, 2}, 2}, {Vec{2, 1}, 1}}));
  EXPECT_TRUE(Rollout{}.count_actions().empty());
}

TEST(Rollout, CountAgentActionsCountsStepsWithoutAnActionAsNone) {
  const Rollout r = fsm_rollout();
  // A: [1] - [2] -: None twice, then the tie [1] before [2].
  EXPECT_EQ(pairs(r.count_agent_actions("A")),
            (std::vector<std::pair<OptVec, int64_t>>{{std::nullopt, 2}, {Vec{1}, 1}, {Vec{2}, 1}}));
  // B: - [5] - [5]: a tie between None and [5]; None appeared first.
  EXPECT_EQ(pairs(r.count_agent_actions("B")),
            (std::vector<std::pair<OptVec, int64_t>>{{std::nullopt, 2}, {Vec{5}, 2}}));
  Rollout p = python_rollout();
  EXPECT_EQ(pairs(p.count_agent_actions("agent")),
            (std::vector<std::pair<OptVec, int64_t>>{{std::nullopt, 2}, {Vec{1}, 1}}));
  EXPECT_EQ(pairs(p.count_actions()), (std::vector<std::pair<Vec, int64_t>>{{Vec{1}, 1}}));
}

TEST(Rollout, CountActionsCountsMinusZeroWithZeroAndNaNsTogether) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Rollout r = make_rollout({"A"}, {0}, {2},
                                 {step(0, {acted({0.0f, nan})}), step(1, {acted({-0.0f, nan})}),
                                  step(2, {acted({0.0f, 1.0f})})});
  const std::vector<ActionCount> counts = r.count_actions();
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].count, 2);
  EXPECT_FALSE(std::signbit(counts[0].action[0]));  // the first appearance is kept
  EXPECT_TRUE(std::isnan(counts[0].action[1]));
  EXPECT_EQ(counts[1].action, (Vec{0.0f, 1.0f}));
  EXPECT_EQ(counts[1].count, 1);
}

TEST(Rollout, AnUnknownAgentIsAValueErrorListingTheAgents) {
  const Rollout r = fsm_rollout();
  const std::vector<std::function<void()>> calls = {
      [&] { r.agent_index("C"); },
      [&] { r.observations_for_agent("C"); },
      [&] { r.rewards_for_agent("C", true); },
      [&] { r.terminations_for_agent("C"); },
      [&] { r.truncations_for_agent("C"); },
      [&] { r.infos_for_agent("C"); },
      [&] { r.actions_for_agent("C", false, StageFilter{{"odd"}}); },
      [&] { r.steps_for_agent("C"); },
      [&] { r.count_agent_actions("C"); },
  };
  for (const auto& call : calls) {
    const std::string message = error_message<ValueError>(call);
    EXPECT_CONTAINS(message, "rollout 3");
    EXPECT_CONTAINS(message, "'C' is not a strategic agent");
    EXPECT_CONTAINS(message, "the agents are 'A', 'B'");
  }
  EXPECT_EQ(r.agent_index("B"), 1u);
}

TEST(Rollout, IndexingOutOfRangeNamesTheIndexAndTheSize) {
  const Rollout r = fsm_rollout();
  EXPECT_EQ(r[2].i, 2);
  EXPECT_EQ(r[3].stage, "even");
  const std::string message = error_message<ValueError>([&] { r[4]; });
  EXPECT_CONTAINS(message, "rollout 3: step index 4 is out of range");
  EXPECT_CONTAINS(message, "the rollout has 4 steps");
  EXPECT_CONTAINS(error_message<ValueError>([] { Rollout{}[0]; }), "has 0 steps");
}

// Reproducer: rollout[-1] is the last step in Python; here -1 became a huge unsigned index and
// threw. Step numbers now count from the end when negative, in every accessor; a step that does
// not exist from either end is still an error naming the index and the size.
TEST(Rollout, NegativeStepIndicesCountFromTheEndAsInPython) {
  const Rollout r = fsm_rollout();
  EXPECT_EQ(r[-1].i, 3);
  EXPECT_EQ(r[-1].stage, "even");
  EXPECT_EQ(r[-4].i, 0);
  EXPECT_EQ(r.stage(-2), "odd");
  EXPECT_EQ(r.action(-2, 0)[0], 2.0f);
  EXPECT_EQ(*r.reward(-4, 0), 0.25);
  EXPECT_EQ(r.observation(-3, 1)[1], 2.0f);
  EXPECT_EQ(r.record(-1, 1).action, (OptVec{Vec{5}}));
  EXPECT_EQ(r.messages(-1), nullptr);
  for (int64_t bad : {-5, 4, -100}) {
    const std::string message = error_message<ValueError>([&] { r[bad]; });
    EXPECT_CONTAINS(message, "step index " + std::to_string(bad) + " is out of range");
    EXPECT_CONTAINS(message,
                    "the rollout has 4 steps (indices 0 to 4 - 1, or -4 to -1 from the end)");
  }
  Rollout w = fsm_rollout();
  w.set_reward(-1, 1, 7.0);
  EXPECT_EQ(*w.reward(3, 1), 7.0);
  EXPECT_THROW(Rollout{}[-1], ValueError);
}

TEST(Rollout, ParamAndMetricLookupsNameWhatIsMissingAndWhatThereIs) {
  Rollout r = fsm_rollout();
  r.params = {{"cost", 0.5f}, {"demand", 2.0f}};
  phantom::ReducedMetric profit;
  profit.name = "profit";
  profit.value = 12.5;
  phantom::ReducedMetric stock;
  stock.name = "stock";
  stock.values = {1, 2};
  r.metrics = {profit, stock};

  EXPECT_EQ(r.param("demand"), 2.0f);
  EXPECT_EQ(r.metric("profit").value, std::optional<double>(12.5));
  EXPECT_EQ(r.metric("stock").values, (std::vector<double>{1, 2}));

  std::string message = error_message<ValueError>([&] { r.param("price"); });
  EXPECT_CONTAINS(message, "rollout 3: no param 'price'; the params are 'cost', 'demand'");
  message = error_message<ValueError>([&] { r.metric("loss"); });
  EXPECT_CONTAINS(message, "rollout 3: no metric 'loss'; the metrics are 'profit', 'stock'");
  EXPECT_CONTAINS(error_message<ValueError>([] { Rollout{}.param("x"); }), "the params are none");
  EXPECT_CONTAINS(error_message<ValueError>([] { Rollout{}.metric("x"); }), "the metrics are none");
}

TEST(Rollout, AppendRejectsAMalformedStepAndKeepsTheRolloutAsItWas) {
  Rollout r = fsm_rollout();
  std::string message = error_message<ValueError>([&] { r.append(step(4, {acted({1})}, "odd")); });
  EXPECT_CONTAINS(message, "rollout 3, step 4: 1 agent records, expected 2 (one per agent id)");
  message = error_message<ValueError>([&] { r.append(step(5, {acted({1}), AgentRecord{}})); });
  EXPECT_CONTAINS(message, "rollout 3, step 5: expected step 4");
  AgentRecord long_observation;
  long_observation.observation = Vec{1, 2, 3};
  message = error_message<ValueError>([&] {
    r.append(step(4, {AgentRecord{}, long_observation}));
  });
  EXPECT_CONTAINS(message,
                  "rollout 3, step 4, agent 'B': the observation has 3 components, "
                  "expected the agent's observation size 2");
  message = error_message<ValueError>([&] { r.append(step(4, {acted({1, 2}), AgentRecord{}})); });
  EXPECT_CONTAINS(message,
                  "agent 'A': the action has 2 components, expected the agent's action "
                  "size 1");
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(r.actions_for_agent("A", true).size(), 2u);
}

TEST(Rollout, AStepReadsBackAsAppendedEntryByEntry) {
  AgentRecord only_terminated;
  only_terminated.terminated = true;
  only_terminated.info = Infos{};
  AgentRecord full = acted({7, 8});
  full.observation = Vec{0.5f};
  full.reward = -2.5;
  full.truncated = true;
  full.terminated = false;
  full.info = infos("price", 3);
  full.info->set("cost", 4);
  Step s = step(0, {only_terminated, full}, "buy");
  s.messages = std::vector<phantom::RecordedMessage>{{"A", "B", "Order", "{\"size\":2}"}};
  Rollout r = make_rollout({"A", "B"}, {0, 1}, {1, 2}, {s});
  r.append(step(1, {acted({9}), AgentRecord{}}, "buy"));

  const Step back = r[0];
  EXPECT_EQ(back.i, 0);
  EXPECT_EQ(back.stage, "buy");
  ASSERT_EQ(back.agents.size(), 2u);
  EXPECT_FALSE(back.agents[0].observation.has_value());
  EXPECT_FALSE(back.agents[0].action.has_value());
  EXPECT_FALSE(back.agents[0].reward.has_value());
  EXPECT_EQ(back.agents[0].terminated, std::optional<bool>(true));
  EXPECT_FALSE(back.agents[0].truncated.has_value());  // the two flags are kept apart
  ASSERT_TRUE(back.agents[0].info.has_value());
  EXPECT_TRUE(back.agents[0].info->empty());
  EXPECT_EQ(back.agents[1].observation, OptVec(Vec{0.5f}));
  EXPECT_EQ(back.agents[1].action, OptVec(Vec{7, 8}));
  EXPECT_EQ(back.agents[1].reward, std::optional<double>(-2.5));
  EXPECT_EQ(back.agents[1].terminated, std::optional<bool>(false));
  EXPECT_EQ(back.agents[1].truncated, std::optional<bool>(true));
  EXPECT_EQ(back.agents[1].info->items(),
            (std::vector<std::pair<std::string, double>>{{"price", 3.0}, {"cost", 4.0}}));
  ASSERT_TRUE(back.messages.has_value());
  ASSERT_EQ(back.messages->size(), 1u);
  EXPECT_EQ((*back.messages)[0].payload_json, "{\"size\":2}");
  // A step without messages has none, even after one that had them.
  EXPECT_FALSE(r[1].messages.has_value());
  EXPECT_EQ(r.messages(1), nullptr);
  EXPECT_EQ(r.action(1, 0)[0], 9.0f);
  EXPECT_EQ(r.action(1, 1), nullptr);

  std::string message = error_message<ValueError>([&] { r.reward(0, 2); });
  EXPECT_CONTAINS(message, "agent index 2 is out of range; the rollout has 2 agents");
  EXPECT_CONTAINS(error_message<ValueError>([&] { r.set_reward(2, 0, 1.0); }),
                  "step index 2 is out of range; the rollout has 2 steps");
  EXPECT_THROW(r.messages(2), ValueError);
  EXPECT_THROW(r.stage(2), ValueError);
}

TEST(Rollout, SetAgentsForgetsTheStepsAndChecksTheSizes) {
  Rollout r = fsm_rollout();
  // The same agents again (the runner's next episode): the buffers are reused, the entries are
  // not.
  r.set_agents({"A", "B"}, {1, 2}, {1, 1});
  EXPECT_TRUE(r.empty());
  r.add_step("odd");
  EXPECT_EQ(r.observation(0, 0), nullptr);
  EXPECT_EQ(r.action(0, 0), nullptr);
  EXPECT_FALSE(r.reward(0, 0).has_value());
  EXPECT_FALSE(r.terminated(0, 0).has_value());
  EXPECT_FALSE(r.info(0, 1).has_value());
  EXPECT_EQ(r.messages(0), nullptr);
  r.set_agents({"X"}, {3}, {1});
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.agent_ids(), (std::vector<std::string>{"X"}));
  r.append(step(0, {acted({4})}));
  EXPECT_EQ(r.actions_for_agent("X"), (std::vector<OptVec>{Vec{4}}));
  EXPECT_FALSE(r[0].agents[0].observation.has_value());  // nothing left from the FSM rollout

  std::string message = error_message<ValueError>([&] { r.set_agents({"X", "Y"}, {1}, {1, 1}); });
  EXPECT_CONTAINS(message, "1 observation sizes and 2 action sizes for 2 agents");
  message = error_message<ValueError>([&] { r.set_agents({"X"}, {1}, {-1}); });
  EXPECT_CONTAINS(message, "agent 'X' has observation size 1 and action size -1");
}

}  // namespace
