// Metrics (Python Phantom's tests/logging/test_metrics.py and test_fsm_logging.py) and the
// behaviours we fix: typed getters, typed modes, not-recorded steps dropped, empty reductions.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "phantom/fsm_env.hpp"
#include "phantom/metrics.hpp"
#include "supply_chain.hpp"

namespace {

using phantom::AggregatedAgentMetric;
using phantom::ConfigError;
using phantom::LambdaMetric;
using phantom::MetricLogger;
using phantom::MetricValues;
using phantom::Mode;
using phantom::PhantomEnv;
using phantom::Reduce;
using phantom::SimpleAgentMetric;
using phantom::SimpleEnvMetric;
using supply_chain::CustomerAgent;
using supply_chain::ShopAgent;

// Expects `fn` to throw E with a message containing every string of `parts`.
template <class E, class Fn>
void expect_throw_with(Fn&& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected an exception";
  } catch (const E& e) {
    std::string what = e.what();
    for (const auto& p : parts) EXPECT_NE(what.find(p), std::string::npos) << what;
  }
}

// ---------------------------------------------------------------------------------------------
// Reduce actions

TEST(MetricReduce, EachActionOnKnownValues) {
  std::vector<double> v{3, 1, 4, 1, 5};
  EXPECT_EQ(*phantom::reduce_values(Reduce::last, v), 5.0);
  EXPECT_DOUBLE_EQ(*phantom::reduce_values(Reduce::mean, v), 2.8);
  EXPECT_EQ(*phantom::reduce_values(Reduce::sum, v), 14.0);
  EXPECT_EQ(*phantom::reduce_values(Reduce::min, v), 1.0);
  EXPECT_EQ(*phantom::reduce_values(Reduce::max, v), 5.0);
}

TEST(MetricReduce, EmptyListsGiveNulloptExceptSum) {
  std::vector<double> empty;
  EXPECT_FALSE(phantom::reduce_values(Reduce::last, empty).has_value());
  EXPECT_FALSE(phantom::reduce_values(Reduce::mean, empty).has_value());  // Python: nan
  EXPECT_FALSE(phantom::reduce_values(Reduce::min, empty).has_value());
  EXPECT_FALSE(phantom::reduce_values(Reduce::max, empty).has_value());
  EXPECT_EQ(*phantom::reduce_values(Reduce::sum, empty), 0.0);
}

TEST(MetricReduce, NoneIsNotAReduction) {
  EXPECT_THROW(phantom::reduce_values(Reduce::none, std::vector<double>{1.0}), ConfigError);
}

TEST(MetricReduce, ParseEveryName) {
  EXPECT_EQ(phantom::parse_reduce("last"), Reduce::last);
  EXPECT_EQ(phantom::parse_reduce("mean"), Reduce::mean);
  EXPECT_EQ(phantom::parse_reduce("sum"), Reduce::sum);
  EXPECT_EQ(phantom::parse_reduce("min"), Reduce::min);
  EXPECT_EQ(phantom::parse_reduce("max"), Reduce::max);
  EXPECT_EQ(phantom::parse_reduce("none"), Reduce::none);
  for (Reduce r :
       {Reduce::last, Reduce::mean, Reduce::sum, Reduce::min, Reduce::max, Reduce::none}) {
    EXPECT_EQ(phantom::parse_reduce(phantom::to_string(r)), r);
  }
  EXPECT_STREQ(phantom::to_string(Mode::train), "train");
  EXPECT_STREQ(phantom::to_string(Mode::eval), "eval");
}

TEST(MetricReduce, ParseErrorNamesValueAndAllowedOnes) {
  expect_throw_with<ConfigError>(
      [] { phantom::parse_reduce("median"); },
      {"'median'", "'last'", "'mean'", "'sum'", "'min'", "'max'", "'none'"});
  expect_throw_with<ConfigError>([] { phantom::parse_reduce("Mean"); }, {"'Mean'"});
  EXPECT_THROW(phantom::parse_reduce(""), ConfigError);
}

// ---------------------------------------------------------------------------------------------
// Python's test_metrics.py: a mock env whose property grows by 1 per step, agent1 by 1 and agent2
// by 2; five steps, extracting after each.

class Counter : public phantom::Agent {
 public:
  Counter(std::string id, double inc) : Agent(std::move(id)), inc(inc) {}
  double value = 0, inc;
};

class Other : public phantom::Agent {
 public:
  using Agent::Agent;
};

class MockEnv : public PhantomEnv {
 public:
  MockEnv() : PhantomEnv(make_network(), 5) {}
  void advance() {
    test_property += 1;
    for (const char* id : {"agent1", "agent2"}) {
      auto& c = static_cast<Counter&>((*this)[id]);
      c.value += c.inc;
    }
  }
  double test_property = 0;
  double sub_property = 1.0;  // Python: nested_property.sub_property

 private:
  static std::unique_ptr<phantom::Network> make_network() {
    auto net = std::make_unique<phantom::Network>();
    net->emplace<Counter>("agent1", 1.0);
    net->emplace<Counter>("agent2", 2.0);
    net->emplace<Other>("other");
    return net;
  }
};

std::vector<double> run_mock(const phantom::Metric& m, MockEnv& env) {
  MetricValues out;
  for (int i = 0; i < 5; ++i) {
    env.advance();
    m.record(env, out);
  }
  EXPECT_EQ(out.skipped(), 0u);
  return out.values();
}

double env_prop(const MockEnv& e) {
  return e.test_property;
}
double agent_value(const Counter& c) {
  return c.value;
}

// Records `m` after each of five steps of a fresh MockEnv and reduces for `mode`.
std::optional<double> five_steps(const phantom::Metric& m, Mode mode = Mode::train) {
  MockEnv env;
  return m.reduce(run_mock(m, env), mode);
}

// test_simple_env_metric_1: "last" for training; evaluation keeps every value ("none").
TEST(MetricPython, SimpleEnvMetric1) {
  MockEnv env;
  SimpleEnvMetric<MockEnv> m(env_prop, Reduce::last);
  std::vector<double> v = run_mock(m, env);
  EXPECT_EQ(*m.reduce(v, Mode::train), 5.0);
  EXPECT_TRUE(m.keeps_all(Mode::eval));
  EXPECT_FALSE(m.keeps_all(Mode::train));
  EXPECT_FALSE(m.reduce(v, Mode::eval).has_value());  // no single number for "none"
  EXPECT_EQ(v, (std::vector<double>{1, 2, 3, 4, 5}));
  // Through a logger, "none" gives the values themselves.
  MetricLogger logger;
  logger.add("env", std::make_shared<SimpleEnvMetric<MockEnv>>(env_prop, Reduce::last));
  MockEnv fresh;
  for (int i = 0; i < 5; ++i) {
    fresh.advance();
    logger.record(fresh);
  }
  auto eval = logger.reduced(Mode::eval);
  ASSERT_EQ(eval.size(), 1u);
  EXPECT_FALSE(eval[0].value.has_value());
  EXPECT_EQ(eval[0].values, (std::vector<double>{1, 2, 3, 4, 5}));
}

// test_simple_env_metric_2
TEST(MetricPython, SimpleEnvMetric2) {
  EXPECT_EQ(*five_steps(SimpleEnvMetric<MockEnv>(env_prop, Reduce::mean)), 3.0);
}

// test_simple_env_metric_3
TEST(MetricPython, SimpleEnvMetric3) {
  EXPECT_EQ(*five_steps(SimpleEnvMetric<MockEnv>(env_prop, Reduce::sum)), 15.0);
}

// test_simple_agent_metric_1
TEST(MetricPython, SimpleAgentMetric1) {
  EXPECT_EQ(*five_steps(SimpleAgentMetric<Counter>("agent1", agent_value, Reduce::last)), 5.0);
}

// test_simple_agent_metric_2
TEST(MetricPython, SimpleAgentMetric2) {
  EXPECT_EQ(*five_steps(SimpleAgentMetric<Counter>("agent1", agent_value, Reduce::mean)), 3.0);
}

// test_simple_agent_metric_3
TEST(MetricPython, SimpleAgentMetric3) {
  EXPECT_EQ(*five_steps(SimpleAgentMetric<Counter>("agent1", agent_value, Reduce::sum)), 15.0);
}

// test_aggregated_agent_metric_1..4: agent1 ends at 5 and agent2 at 10; the group action
// combines them at each step and "last" keeps the final step's.
AggregatedAgentMetric<Counter> group_of_two(Reduce group) {
  return AggregatedAgentMetric<Counter>({"agent1", "agent2"}, agent_value, group, Reduce::last);
}

TEST(MetricPython, AggregatedAgentMetric1) {
  EXPECT_EQ(*five_steps(group_of_two(Reduce::min)), 5.0);
}

TEST(MetricPython, AggregatedAgentMetric2) {
  EXPECT_EQ(*five_steps(group_of_two(Reduce::max)), 10.0);
}

TEST(MetricPython, AggregatedAgentMetric3) {
  EXPECT_EQ(*five_steps(group_of_two(Reduce::mean)), 7.5);
}

TEST(MetricPython, AggregatedAgentMetric4) {
  EXPECT_EQ(*five_steps(group_of_two(Reduce::sum)), 15.0);
}

// test_nested_metric: Python's "nested_property.sub_property" path is a getter here.
TEST(MetricPython, NestedMetric) {
  MockEnv env;
  SimpleEnvMetric<MockEnv> m([](const MockEnv& e) { return e.sub_property; });
  env.advance();
  EXPECT_EQ(m.extract(env), 1.0);
}

// test_lambda_metric: train sums, eval doubles the sum.
TEST(MetricPython, LambdaMetric) {
  MockEnv env;
  LambdaMetric m(
      [](const PhantomEnv& e) { return static_cast<const MockEnv&>(e).test_property; },
      [](const std::vector<double>& v) { return *phantom::reduce_values(Reduce::sum, v); },
      [](const std::vector<double>& v) { return 2 * *phantom::reduce_values(Reduce::sum, v); });
  std::vector<double> v = run_mock(m, env);
  EXPECT_EQ(*m.reduce(v, Mode::train), 15.0);
  EXPECT_EQ(*m.reduce(v, Mode::eval), 30.0);
  EXPECT_FALSE(m.keeps_all(Mode::eval));
}

// A custom metric overriding only extract() reduces to the last value in both modes (Python's
// Metric.reduce default).
class StepMetric : public phantom::Metric {
 public:
  double extract(const PhantomEnv& env) const override {
    return static_cast<double>(static_cast<const MockEnv&>(env).test_property);
  }
};

TEST(MetricPython, CustomMetricDefaultsToLast) {
  MockEnv env;
  StepMetric m;
  std::vector<double> v = run_mock(m, env);
  EXPECT_EQ(*m.reduce(v, Mode::train), 5.0);
  EXPECT_EQ(*m.reduce(v, Mode::eval), 5.0);
  EXPECT_FALSE(m.reduce({}, Mode::train).has_value());
  MetricLogger logger;
  logger.add("custom", std::make_shared<StepMetric>());
  logger.record(env);
  EXPECT_EQ(*logger.reduced(Mode::eval)[0].value, 5.0);
}

// ---------------------------------------------------------------------------------------------
// Construction errors

TEST(MetricErrors, TrainActionNoneIsRejected) {
  expect_throw_with<ConfigError>(
      [] { SimpleEnvMetric<PhantomEnv>([](const PhantomEnv&) { return 0.0; }, Reduce::none); },
      {"train", "'none'"});
  // min and max are allowed for both modes (Python: last/mean/sum only).
  SimpleEnvMetric<PhantomEnv> m([](const PhantomEnv&) { return 0.0; }, Reduce::min, Reduce::max);
  EXPECT_EQ(m.train_reduce(), Reduce::min);
  EXPECT_EQ(m.eval_reduce(), Reduce::max);
  EXPECT_EQ(*m.reduce({2, 7, 1}, Mode::train), 1.0);
  EXPECT_EQ(*m.reduce({2, 7, 1}, Mode::eval), 7.0);
}

TEST(MetricErrors, GroupActionMustBeMinMaxMeanOrSum) {
  for (Reduce g : {Reduce::last, Reduce::none}) {
    expect_throw_with<ConfigError>(
        [g] { AggregatedAgentMetric<Counter>({"agent1"}, agent_value, g); },
        {"group", phantom::to_string(g), "'min', 'max', 'mean' or 'sum'"});
  }
  EXPECT_THROW(AggregatedAgentMetric<Counter>({}, agent_value), ConfigError);
}

TEST(MetricErrors, LambdaNeedsEveryFunction) {
  auto sum = [](const std::vector<double>&) { return 0.0; };
  EXPECT_THROW(LambdaMetric(nullptr, sum, sum), ConfigError);
  EXPECT_THROW(LambdaMetric([](const PhantomEnv&) { return 0.0; }, sum, nullptr), ConfigError);
}

TEST(MetricErrors, UnknownAgentIdIsNamed) {
  MockEnv env;
  SimpleAgentMetric<Counter> m("agent9", agent_value);
  expect_throw_with<ConfigError>([&] { m.extract(env); }, {"'agent9'"});
  AggregatedAgentMetric<Counter> g({"agent1", "nobody"}, agent_value);
  expect_throw_with<ConfigError>([&] { g.extract(env); }, {"'nobody'"});
}

TEST(MetricErrors, WrongAgentTypeNamesIdAndBothTypes) {
  MockEnv env;
  SimpleAgentMetric<Counter> m("other", agent_value);
  expect_throw_with<ConfigError>([&] { m.extract(env); }, {"'other'", "Other", "Counter"});
}

// A metric remembers where it found its agent; envs that hold the agent elsewhere, as a
// subclass, or not at all must still be read right.
class LoudCounter : public Counter {
 public:
  using Counter::Counter;
};

TEST(MetricLookup, FollowsTheAgentToAnotherIndexTypeOrEnv) {
  auto env_with = [](std::vector<std::shared_ptr<phantom::Agent>> agents) {
    auto net = std::make_unique<phantom::Network>();
    for (auto& a : agents) net->add_agent(std::move(a));
    return std::make_unique<PhantomEnv>(std::move(net), 1);
  };
  auto first = std::make_shared<Counter>("agent1", 1.0);
  first->value = 1;
  auto moved = std::make_shared<LoudCounter>("agent1", 1.0);
  moved->value = 2;
  auto impostor = std::make_shared<Counter>("agent2", 1.0);
  impostor->value = 3;
  auto a = env_with({first});
  auto b = env_with({std::make_shared<Other>("other"), impostor, moved});
  auto c = env_with({std::make_shared<Counter>("agent2", 1.0)});  // agent1 missing

  SimpleAgentMetric<Counter> m("agent1", agent_value);
  AggregatedAgentMetric<Counter> g({"agent1"}, agent_value, Reduce::sum);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(m.extract(*a), 1.0);
    EXPECT_EQ(g.extract(*a), 1.0);
    EXPECT_EQ(m.extract(*b), 2.0) << "found at index 2, through its base class";
    EXPECT_EQ(g.extract(*b), 2.0);
  }
  EXPECT_EQ(m.extract(*a), 1.0);  // index 0 again: agent1 there, not b's index-0 agent
  expect_throw_with<ConfigError>([&] { m.extract(*c); }, {"'agent1'"});
  EXPECT_EQ(m.extract(*b), 2.0);
}

TEST(MetricErrors, WrongEnvTypeNamesBothTypes) {
  auto env = supply_chain::make_env();
  SimpleEnvMetric<MockEnv> m(env_prop);
  expect_throw_with<ConfigError>([&] { m.extract(*env); }, {"PhantomEnv", "MockEnv"});
}

// ---------------------------------------------------------------------------------------------
// FSM stage filtering

class StageEnv : public PhantomEnv {
 public:
  explicit StageEnv(std::optional<std::string> stage)
      : PhantomEnv(std::make_unique<phantom::Network>(), 2), stage(std::move(stage)) {}
  const std::string* current_stage() const override { return stage ? &*stage : nullptr; }
  std::optional<std::string> stage;
};

TEST(MetricStages, AppliesOnlyInListedStages) {
  auto zero = [](const PhantomEnv&) { return 0.0; };
  SimpleEnvMetric<PhantomEnv> every(zero);
  SimpleEnvMetric<PhantomEnv> only_a(zero, Reduce::mean, Reduce::none, {"a"});
  SimpleEnvMetric<PhantomEnv> a_or_c(zero, Reduce::mean, Reduce::none, {"a", "c"});
  StageEnv env(std::string("a"));
  EXPECT_TRUE(every.applies(env));
  EXPECT_TRUE(only_a.applies(env));
  EXPECT_TRUE(a_or_c.applies(env));
  env.stage = "b";
  EXPECT_TRUE(every.applies(env));
  EXPECT_FALSE(only_a.applies(env));
  EXPECT_FALSE(a_or_c.applies(env));
  env.stage = "c";
  EXPECT_FALSE(only_a.applies(env));
  EXPECT_TRUE(a_or_c.applies(env));
  // An env without stages records every metric (the filter has nothing to compare with).
  env.stage.reset();
  EXPECT_TRUE(only_a.applies(env));
}

// Two stages alternating, one "sum" metric per stage, on a stub env reporting a stage.
TEST(MetricStages, NotRecordedStepsAreCountedNotStored) {
  StageEnv env(std::string("0"));
  MetricLogger logger;
  logger.add("stage_0_metric", std::make_shared<SimpleEnvMetric<PhantomEnv>>(
                                   [](const PhantomEnv&) { return 0.0; }, Reduce::sum, Reduce::sum,
                                   std::vector<std::string>{"0"}));
  logger.add("stage_1_metric", std::make_shared<SimpleEnvMetric<PhantomEnv>>(
                                   [](const PhantomEnv&) { return 1.0; }, Reduce::sum, Reduce::sum,
                                   std::vector<std::string>{"1"}));
  logger.record(env);
  EXPECT_EQ(logger.values(0).values(), std::vector<double>{0.0});
  EXPECT_EQ(logger.values(0).skipped(), 0u);
  EXPECT_TRUE(logger.values(1).empty());
  EXPECT_EQ(logger.values(1).skipped(), 1u);
  env.stage = "1";
  logger.record(env);
  EXPECT_EQ(logger.values("stage_0_metric").values(), std::vector<double>{0.0});
  EXPECT_EQ(logger.values("stage_0_metric").skipped(), 1u);
  EXPECT_EQ(logger.values("stage_1_metric").values(), std::vector<double>{1.0});
  EXPECT_EQ(logger.values("stage_1_metric").skipped(), 1u);
  auto r = logger.reduced(Mode::train);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(*r[0].value, 0.0);
  EXPECT_EQ(*r[1].value, 1.0);
}

// tests/logging/test_fsm_logging.py on a real FSM env: stages "0" and "1" alternate; each stage
// has a "sum" metric. A step outside a metric's stages is counted, not stored (Python stored a
// NotRecorded marker and filtered it when reducing).
TEST(MetricStages, FsmLogging) {
  phantom::FiniteStateMachineEnv env(
      std::make_unique<phantom::Network>(), 2, "0",
      {{"0", {}, std::nullopt, {"1"}, nullptr}, {"1", {}, std::nullopt, {"0"}, nullptr}});
  auto value_of = [](double v) { return [v](const PhantomEnv&) { return v; }; };
  MetricLogger logger;
  logger.add("stage_0_metric",
             std::make_shared<SimpleEnvMetric<PhantomEnv>>(value_of(0.0), Reduce::sum, Reduce::sum,
                                                           std::vector<std::string>{"0"}));
  logger.add("stage_1_metric",
             std::make_shared<SimpleEnvMetric<PhantomEnv>>(value_of(1.0), Reduce::sum, Reduce::sum,
                                                           std::vector<std::string>{"1"}));
  env.reset(1);
  logger.record(env);  // stage 0
  EXPECT_EQ(logger.values("stage_0_metric").values(), std::vector<double>{0.0});
  EXPECT_TRUE(logger.values("stage_1_metric").empty());
  EXPECT_EQ(logger.values("stage_1_metric").skipped(), 1u);

  phantom::Actions actions = env.make_actions();
  env.step(actions);
  ASSERT_EQ(*env.current_stage(), "1");
  logger.record(env);
  EXPECT_EQ(logger.values("stage_0_metric").values(), std::vector<double>{0.0});
  EXPECT_EQ(logger.values("stage_0_metric").skipped(), 1u);
  EXPECT_EQ(logger.values("stage_1_metric").values(), std::vector<double>{1.0});
  EXPECT_EQ(logger.values("stage_1_metric").skipped(), 1u);

  auto end = logger.reduced(Mode::train);
  ASSERT_EQ(end.size(), 2u);
  EXPECT_EQ(end[0].name, "stage_0_metric");
  EXPECT_EQ(*end[0].value, 0.0);
  EXPECT_EQ(end[1].name, "stage_1_metric");
  EXPECT_EQ(*end[1].value, 1.0);
}

// Python records a metric whose stage list is empty in no stage (its filter asks whether the
// stage is in the list); leaving the list out records in every stage. Both are kept apart here:
// `{}` and no argument mean every stage, an explicitly empty list means none. Envs without
// stages record every metric, as in Python.
TEST(MetricStages, AnEmptyListRecordsInNoStageLikePython) {
  auto one = [](const PhantomEnv&) { return 1.0; };
  SimpleEnvMetric<PhantomEnv> every(one, Reduce::sum, Reduce::sum, {});
  SimpleEnvMetric<PhantomEnv> none(one, Reduce::sum, Reduce::sum, std::vector<std::string>{});
  EXPECT_TRUE(every.stages.every_stage());
  EXPECT_FALSE(none.stages.every_stage());
  StageEnv env(std::string("a"));
  EXPECT_TRUE(every.applies(env));
  EXPECT_FALSE(none.applies(env));
  MetricLogger logger;
  logger.add("none", std::make_shared<SimpleEnvMetric<PhantomEnv>>(one, Reduce::sum, Reduce::sum,
                                                                   std::vector<std::string>{}));
  logger.record(env);
  logger.record(env);
  EXPECT_TRUE(logger.values("none").empty());
  EXPECT_EQ(logger.values("none").skipped(), 2u);
  EXPECT_EQ(*logger.reduced(Mode::train)[0].value, 0.0);  // a sum of nothing
  env.stage.reset();                                      // no stages: the list is not consulted
  EXPECT_TRUE(none.applies(env));
}

TEST(MetricStages, NeverRecordedGivesEmptyReductions) {
  StageEnv env(std::string("b"));
  MetricLogger logger;
  for (const char* r : {"last", "mean", "sum", "min", "max"}) {
    logger.add(r, std::make_shared<SimpleEnvMetric<PhantomEnv>>(
                      [](const PhantomEnv&) { return 1.0; }, phantom::parse_reduce(r), Reduce::none,
                      std::vector<std::string>{"a"}));
  }
  logger.record(env);
  logger.record(env);
  auto train = logger.reduced(Mode::train);
  ASSERT_EQ(train.size(), 5u);
  for (const auto& m : train) {
    if (m.name == "sum") {
      EXPECT_EQ(*m.value, 0.0);
    } else {
      EXPECT_FALSE(m.value.has_value()) << m.name;
    }
    EXPECT_TRUE(m.values.empty());
  }
  for (const auto& m : logger.reduced(Mode::eval)) {
    EXPECT_FALSE(m.value.has_value());
    EXPECT_TRUE(m.values.empty());
  }
  EXPECT_EQ(logger.values("mean").skipped(), 2u);
}

// ---------------------------------------------------------------------------------------------
// On the supply chain

// Runs one episode with a fixed order, recording after each step; `after_step` sees the env.
template <class Fn>
void run_episode(PhantomEnv& env, uint64_t seed, float order, Fn&& after_step) {
  phantom::Actions actions = env.make_actions();
  env.reset(seed);
  while (!env.done()) {
    actions.set(0)[0] = order;
    env.step(actions);
    after_step();
  }
}

TEST(MetricSupplyChain, SimpleAgentMetricMatchesHandComputation) {
  auto env = supply_chain::make_env();
  auto& shop = static_cast<ShopAgent&>((*env)["SHOP"]);
  MetricLogger logger;
  logger.add("stock", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::stock));
  logger.add("sales", phantom::agent_metric<ShopAgent>(
                          "SHOP", [](const ShopAgent& a) { return a.sales; }, Reduce::sum));
  logger.add("missed", std::make_shared<SimpleAgentMetric<ShopAgent>>(
                           "SHOP", &ShopAgent::missed_sales, Reduce::max, Reduce::min));
  std::vector<double> stock;
  double sales = 0, max_missed = -1, min_missed = 1e9;
  run_episode(*env, 7, 9.0f, [&] {
    logger.record(*env);
    stock.push_back(shop.stock);
    sales += shop.sales;
    max_missed = std::max(max_missed, static_cast<double>(shop.missed_sales));
    min_missed = std::min(min_missed, static_cast<double>(shop.missed_sales));
  });
  ASSERT_EQ(stock.size(), static_cast<std::size_t>(supply_chain::kNumEpisodeSteps));
  double stock_sum = 0;
  for (double s : stock) stock_sum += s;

  auto train = logger.reduced(Mode::train);
  ASSERT_EQ(train.size(), 3u);
  EXPECT_EQ(train[0].name, "stock");
  EXPECT_DOUBLE_EQ(*train[0].value, stock_sum / static_cast<double>(stock.size()));
  EXPECT_EQ(train[1].name, "sales");
  EXPECT_EQ(*train[1].value, sales);
  EXPECT_GT(sales, 0);
  EXPECT_EQ(*train[2].value, max_missed);

  auto eval = logger.reduced(Mode::eval);
  EXPECT_FALSE(eval[0].value.has_value());  // "none": every value
  EXPECT_EQ(eval[0].values, stock);
  EXPECT_EQ(eval[1].values.size(), stock.size());  // agent_metric's default eval action: none
  EXPECT_FALSE(eval[1].value.has_value());
  EXPECT_EQ(*eval[2].value, min_missed);
  EXPECT_TRUE(eval[2].values.empty());
}

TEST(MetricSupplyChain, AggregatedAgentMetricOverCustomers) {
  auto env = supply_chain::make_env();
  std::vector<std::string> ids{"CUST1", "CUST2", "CUST3", "CUST4", "CUST5"};
  auto received = [](const CustomerAgent& c) { return c.received; };
  MetricLogger logger;
  logger.add("sum", std::make_shared<AggregatedAgentMetric<CustomerAgent>>(
                        ids, received, Reduce::sum, Reduce::last));
  logger.add("max", std::make_shared<AggregatedAgentMetric<CustomerAgent>>(
                        ids, received, Reduce::max, Reduce::mean, Reduce::none));
  logger.add("min", std::make_shared<AggregatedAgentMetric<CustomerAgent>>(
                        ids, received, Reduce::min, Reduce::sum, Reduce::none));
  logger.add("mean", std::make_shared<AggregatedAgentMetric<CustomerAgent>>(
                         ids, received, Reduce::mean, Reduce::last, Reduce::none));
  double hand_sum = 0, max_mean = 0, min_sum = 0, hand_mean = 0;
  int steps = 0;
  run_episode(*env, 11, 12.0f, [&] {
    logger.record(*env);
    double s = 0, mx = -1, mn = 1e9;
    for (const auto& id : ids) {
      double v = static_cast<const CustomerAgent&>((*env)[id]).received;
      s += v;
      mx = std::max(mx, v);
      mn = std::min(mn, v);
    }
    hand_sum = s;  // last
    hand_mean = s / 5;
    max_mean += mx;
    min_sum += mn;
    ++steps;
  });
  auto r = logger.reduced(Mode::train);
  EXPECT_EQ(*r[0].value, hand_sum);
  EXPECT_GT(hand_sum, 0);
  EXPECT_DOUBLE_EQ(*r[1].value, max_mean / steps);
  EXPECT_EQ(*r[2].value, min_sum);
  EXPECT_DOUBLE_EQ(*r[3].value, hand_mean);
  EXPECT_EQ(r[1].values.size(), 0u);
  EXPECT_EQ(logger.reduced(Mode::eval)[1].values.size(), static_cast<std::size_t>(steps));
}

TEST(MetricSupplyChain, EnvAndLambdaMetrics) {
  auto env = supply_chain::make_env();
  MetricLogger logger;
  logger.add("step", std::make_shared<SimpleEnvMetric<PhantomEnv>>([](const PhantomEnv& e) {
               return static_cast<double>(e.current_step());
             }));
  logger.add(
      "stock_x2",
      std::make_shared<LambdaMetric>(
          [](const PhantomEnv& e) { return 2.0 * static_cast<const ShopAgent&>(e["SHOP"]).stock; },
          [](const std::vector<double>& v) { return v.empty() ? 0.0 : v.front(); },
          [](const std::vector<double>& v) { return static_cast<double>(v.size()); }));
  auto& shop = static_cast<ShopAgent&>((*env)["SHOP"]);
  double first_stock = -1;
  run_episode(*env, 5, 10.0f, [&] {
    logger.record(*env);
    if (first_stock < 0) first_stock = shop.stock;
  });
  auto train = logger.reduced(Mode::train);
  EXPECT_DOUBLE_EQ(*train[0].value, 50.5);  // mean of 1..100
  EXPECT_EQ(*train[1].value, 2 * first_stock);
  EXPECT_EQ(*logger.reduced(Mode::eval)[1].value, 100.0);
  std::vector<double> steps = logger.reduced(Mode::eval)[0].values;
  ASSERT_EQ(steps.size(), 100u);
  EXPECT_EQ(steps.front(), 1.0);
  EXPECT_EQ(steps.back(), 100.0);
}

TEST(MetricSupplyChain, ClearStartsTheNextEpisode) {
  auto env = supply_chain::make_env();
  MetricLogger logger;
  logger.add("stock", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::stock, Reduce::last));
  run_episode(*env, 1, 10.0f, [&] { logger.record(*env); });
  EXPECT_EQ(logger.values(0).size(), 100u);
  std::size_t capacity = logger.values(0).values().capacity();
  logger.clear();
  EXPECT_TRUE(logger.values(0).empty());
  EXPECT_EQ(logger.values(0).skipped(), 0u);
  EXPECT_EQ(logger.values(0).values().capacity(), capacity);
  EXPECT_FALSE(logger.reduced(Mode::train)[0].value.has_value());
  auto& shop = static_cast<ShopAgent&>((*env)["SHOP"]);
  run_episode(*env, 2, 10.0f, [&] { logger.record(*env); });
  EXPECT_EQ(logger.values(0).size(), 100u);
  EXPECT_EQ(*logger.reduced(Mode::train)[0].value, shop.stock);
}

TEST(MetricSupplyChain, AgentErrorsNameTheIdAndTypes) {
  auto env = supply_chain::make_env();
  auto unknown = phantom::agent_metric<ShopAgent>("SHOPX", &ShopAgent::stock);
  expect_throw_with<ConfigError>([&] { unknown->extract(*env); }, {"'SHOPX'"});
  auto wrong = phantom::agent_metric<ShopAgent>("WAREHOUSE", &ShopAgent::stock);
  expect_throw_with<ConfigError>(
      [&] { wrong->extract(*env); },
      {"'WAREHOUSE'", "supply_chain::WarehouseAgent", "supply_chain::ShopAgent"});
  AggregatedAgentMetric<CustomerAgent> mixed({"CUST1", "SHOP"},
                                             [](const CustomerAgent& c) { return c.received; });
  expect_throw_with<ConfigError>([&] { mixed.extract(*env); }, {"'SHOP'", "CustomerAgent"});
  MetricLogger logger;
  logger.add("bad", wrong);
  expect_throw_with<ConfigError>([&] { logger.record(*env); },
                                 {"metric 'bad': agent 'WAREHOUSE'", "ShopAgent"});
}

// Reproducer: a metric on an unknown agent said only "metric: no agent with id 'X' in the env",
// leaving the user to find which of their metrics it was and what the ids are. The logger (which
// trainers, workers and the rollout runner record through) names the metric, and the message
// lists the env's agents, as the policy mapping's errors do.
TEST(MetricSupplyChain, AnUnknownAgentNamesTheMetricAndListsTheAgentIds) {
  auto env = supply_chain::make_env();
  env->reset(1);
  MetricLogger logger;
  logger.add("stock", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::stock));
  logger.add("sales", phantom::agent_metric<ShopAgent>("SHOPP", &ShopAgent::sales));
  std::string agents;
  for (const std::string& id : env->agent_ids()) agents += (agents.empty() ? "" : ", ") + id;
  expect_throw_with<ConfigError>(
      [&] { logger.record(*env); },
      {"metric 'sales': no agent with id 'SHOPP' in the env (agents: " + agents + ")"});
}

// ---------------------------------------------------------------------------------------------
// MetricLogger

// tests/logging/test_rllib_logger.py: Python's RLlib callback stored each step's value in the
// episode's user data and reduced it at the episode's end. MetricLogger does both: record()
// after a step, reduced() at the end ("last" for training by default in Python's MockMetric).
class Constant : public phantom::SimpleMetric {
 public:
  explicit Constant(double v) : SimpleMetric(Reduce::last, Reduce::last), v_(v) {}
  double extract(const PhantomEnv&) const override { return v_; }

 private:
  double v_;
};

TEST(MetricLogger, RecordsEachStepAndReducesAtTheEnd) {
  PhantomEnv env(std::make_unique<phantom::Network>(), std::nullopt);
  MetricLogger logger({{"test_metric", std::make_shared<Constant>(1.0)}});
  logger.record(env);
  EXPECT_EQ(logger.values("test_metric").values(), std::vector<double>{1.0});
  auto end = logger.reduced(Mode::train);
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].name, "test_metric");
  ASSERT_TRUE(end[0].value.has_value());
  EXPECT_EQ(*end[0].value, 1.0);
  logger.clear();  // the next episode starts empty
  EXPECT_TRUE(logger.values("test_metric").empty());
}

TEST(MetricLogger, InsertionOrderAndLookup) {
  auto zero = [](const PhantomEnv&) { return 0.0; };
  MetricLogger logger({{"zeta", std::make_shared<SimpleEnvMetric<PhantomEnv>>(zero)},
                       {"alpha", std::make_shared<SimpleEnvMetric<PhantomEnv>>(zero)}});
  logger.add("mid", std::make_shared<SimpleEnvMetric<PhantomEnv>>(zero, Reduce::sum));
  ASSERT_EQ(logger.size(), 3u);
  EXPECT_EQ(logger.name(0), "zeta");
  EXPECT_EQ(logger.name(1), "alpha");
  EXPECT_EQ(logger.name(2), "mid");
  auto r = logger.reduced(Mode::train);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].name, "zeta");
  EXPECT_EQ(r[1].name, "alpha");
  EXPECT_EQ(r[2].name, "mid");
  EXPECT_TRUE(logger.contains("alpha"));
  EXPECT_FALSE(logger.contains("beta"));
  expect_throw_with<ConfigError>([&] { logger.values("beta"); }, {"'beta'"});
}

TEST(MetricLogger, DuplicateAndNullMetricsAreRejected) {
  auto zero = [](const PhantomEnv&) { return 0.0; };
  MetricLogger logger;
  logger.add("a", std::make_shared<SimpleEnvMetric<PhantomEnv>>(zero));
  expect_throw_with<ConfigError>(
      [&] { logger.add("a", std::make_shared<SimpleEnvMetric<PhantomEnv>>(zero)); },
      {"duplicate", "'a'"});
  expect_throw_with<ConfigError>([&] { logger.add("b", nullptr); }, {"'b'"});
  EXPECT_EQ(logger.size(), 1u);
  EXPECT_THROW(MetricLogger({{"x", std::make_shared<SimpleEnvMetric<PhantomEnv>>(zero)},
                             {"x", std::make_shared<SimpleEnvMetric<PhantomEnv>>(zero)}}),
               ConfigError);
}

}  // namespace
