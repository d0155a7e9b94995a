// Which agents' resolution hooks the env calls: every agent by default, none of the hooks an
// agent opted out of (Agent::set_resolution_hooks), always in network order, and only for agents
// still in the episode.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "phantom/env.hpp"
#include "supply_chain.hpp"

namespace {

using phantom::Context;
using phantom::ResolutionHooks;

// Every hook call of one step, in order: "<agent id>:pre", "<agent id>:post", and "resolve" when
// a message is handled (between the two passes).
std::vector<std::string> g_calls;

// Overrides both hooks and records every call; `hooks` is what it tells the env it has.
class Hooked : public phantom::StrategicAgent {
 public:
  Hooked(std::string id, ResolutionHooks hooks, std::optional<int64_t> done_at = std::nullopt)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})),
        done_at_(done_at) {
    set_resolution_hooks(hooks);
  }
  void pre_message_resolution(Context&) override { g_calls.push_back(id() + ":pre"); }
  void post_message_resolution(Context&) override { g_calls.push_back(id() + ":post"); }
  bool encode_observation(Context&, float* out) override {
    out[0] = 0;
    return true;
  }
  void decode_action(Context&, const float*) override {}
  double compute_reward(Context&) override { return 0; }
  bool is_terminated(Context& ctx) override {
    return done_at_ && ctx.env_view().current_step >= *done_at_;
  }
  /// Changes the flag after construction (the env reads it at the next reset).
  void opt(ResolutionHooks hooks) { set_resolution_hooks(hooks); }

 private:
  std::optional<int64_t> done_at_;
};

// A non-strategic agent with both hooks and a message for its neighbour "A" in between, so the
// resolver's round lies between the two passes.
struct Ping {
  int n;
};
class Pinger : public phantom::Agent {
 public:
  using Agent::Agent;
  void pre_message_resolution(Context&) override { g_calls.push_back(id() + ":pre"); }
  void post_message_resolution(Context&) override { g_calls.push_back(id() + ":post"); }
  void generate_messages(Context& ctx) override { ctx.send("A", Ping{1}); }
};
class PingReceiver : public Hooked {
 public:
  PingReceiver(std::string id, ResolutionHooks hooks) : Hooked(std::move(id), hooks) {
    on<Ping>([](Context&, const phantom::Message<Ping>&) { g_calls.push_back("resolve"); });
  }
};

// Runs reset() and one step with every agent acting; returns that step's hook calls.
std::vector<std::string> one_step(phantom::PhantomEnv& env, bool reset = true) {
  if (reset) env.reset(1);
  g_calls.clear();
  phantom::Actions actions = env.make_actions();
  for (int i = 0; i < env.num_strategic(); ++i) {
    if (env.step_result().acts(i)) actions.set(i)[0] = 0.5f;
  }
  env.step(actions);
  return g_calls;
}

TEST(ResolutionHooks, AnAgentHasBothHooksUnlessItOptsOut) {
  struct Plain : phantom::Agent {
    using Agent::Agent;
  };
  Plain agent("P");
  EXPECT_EQ(agent.resolution_hooks(), ResolutionHooks::both);
  EXPECT_TRUE(phantom::includes(ResolutionHooks::both, ResolutionHooks::pre));
  EXPECT_TRUE(phantom::includes(ResolutionHooks::both, ResolutionHooks::post));
  EXPECT_FALSE(phantom::includes(ResolutionHooks::pre, ResolutionHooks::post));
  EXPECT_FALSE(phantom::includes(ResolutionHooks::none, ResolutionHooks::pre));
}

TEST(ResolutionHooks, AnAgentThatOptsOutIsNotCalledEvenIfItOverridesTheHooks) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Hooked>("A", ResolutionHooks::none);
  phantom::PhantomEnv env(std::move(net), 5);
  EXPECT_EQ(one_step(env), std::vector<std::string>{})
      << "agent A opted out of both hooks, yet the env called it";
}

TEST(ResolutionHooks, AgentsWithTheHooksAreCalledInNetworkOrderAroundResolution) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<PingReceiver>("A", ResolutionHooks::both);
  net->emplace<Pinger>("B");  // opts out of nothing: the default
  net->emplace<Hooked>("C", ResolutionHooks::both);
  net->add_connection("A", "B");
  phantom::PhantomEnv env(std::move(net), 5);
  const std::vector<std::string> want = {"A:pre",  "B:pre",  "C:pre", "resolve",
                                         "A:post", "B:post", "C:post"};
  EXPECT_EQ(one_step(env), want);
  EXPECT_EQ(one_step(env, /*reset=*/false), want) << "the second step of the episode differs";
}

TEST(ResolutionHooks, EachPassCallsOnlyTheAgentsWithItsHook) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Hooked>("NONE", ResolutionHooks::none);
  net->emplace<Hooked>("PRE", ResolutionHooks::pre);
  net->emplace<Hooked>("POST", ResolutionHooks::post);
  net->emplace<Hooked>("BOTH", ResolutionHooks::both);
  net->emplace<Hooked>("PRE2", ResolutionHooks::pre);
  phantom::PhantomEnv env(std::move(net), 5);
  const std::vector<std::string> want = {"PRE:pre", "BOTH:pre", "PRE2:pre", "POST:post",
                                         "BOTH:post"};
  EXPECT_EQ(one_step(env), want);
}

TEST(ResolutionHooks, AnAgentThatLeftTheEpisodeIsNoLongerCalled) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Hooked>("A", ResolutionHooks::both, /*done_at=*/1);
  net->emplace<Hooked>("B", ResolutionHooks::pre);
  phantom::PhantomEnv env(std::move(net), 5);
  EXPECT_EQ(one_step(env), (std::vector<std::string>{"A:pre", "B:pre", "A:post"}));
  // A terminated at step 1: step 2 calls B only.
  EXPECT_EQ(one_step(env, /*reset=*/false), std::vector<std::string>{"B:pre"});
  // A new episode brings A back.
  EXPECT_EQ(one_step(env), (std::vector<std::string>{"A:pre", "B:pre", "A:post"}));
}

// Agents leaving at different steps drop out of the passes one by one; the agents still in the
// episode keep their hooks and their network order (the env drops the agents that left from its
// lists rather than reading every agent's hooks again).
TEST(ResolutionHooks, AgentsLeavingOneByOneDropOutAndTheRestKeepTheirOrder) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Hooked>("A", ResolutionHooks::both, /*done_at=*/2);
  net->emplace<Hooked>("B", ResolutionHooks::pre);
  net->emplace<Hooked>("C", ResolutionHooks::both, /*done_at=*/1);
  net->emplace<Hooked>("D", ResolutionHooks::post);
  net->emplace<Hooked>("E", ResolutionHooks::both, /*done_at=*/3);
  phantom::PhantomEnv env(std::move(net), 6);
  EXPECT_EQ(one_step(env), (std::vector<std::string>{"A:pre", "B:pre", "C:pre", "E:pre", "A:post",
                                                     "C:post", "D:post", "E:post"}));
  EXPECT_EQ(one_step(env, /*reset=*/false),
            (std::vector<std::string>{"A:pre", "B:pre", "E:pre", "A:post", "D:post", "E:post"}));
  EXPECT_EQ(one_step(env, /*reset=*/false),
            (std::vector<std::string>{"B:pre", "E:pre", "D:post", "E:post"}));
  EXPECT_EQ(one_step(env, /*reset=*/false), (std::vector<std::string>{"B:pre", "D:post"}));
  // The next episode has everyone again.
  EXPECT_EQ(one_step(env).size(), 8u);
}

TEST(ResolutionHooks, TheEnvReadsTheChoiceAgainAtTheNextReset) {
  auto net = std::make_unique<phantom::Network>();
  Hooked& a = net->emplace<Hooked>("A", ResolutionHooks::none);
  phantom::PhantomEnv env(std::move(net), 5);
  EXPECT_EQ(one_step(env), std::vector<std::string>{});
  a.opt(ResolutionHooks::post);
  EXPECT_EQ(one_step(env), std::vector<std::string>{"A:post"});
}

// The supply chain's customers and warehouse have no hooks and its shop only the pre one (it
// clears the step's sales); each says so, which is what keeps a step with thousands of customers
// from making two passes over them for nothing.
TEST(ResolutionHooks, SupplyChainAgentsOptOutOfTheHooksTheyDoNotHave) {
  auto env = supply_chain::make_env(3);
  EXPECT_EQ((*env)["SHOP"].resolution_hooks(), ResolutionHooks::pre);
  EXPECT_EQ((*env)["WAREHOUSE"].resolution_hooks(), ResolutionHooks::none);
  for (const char* id : {"CUST1", "CUST2", "CUST3"}) {
    EXPECT_EQ((*env)[id].resolution_hooks(), ResolutionHooks::none) << id;
  }
  // The shop's pre hook still runs: its sales are those of the step, not a running total. The
  // customers' deliveries (OrderResponse sizes) add up to the shop's sales.
  const auto& shop = dynamic_cast<const supply_chain::ShopAgent&>((*env)["SHOP"]);
  auto delivered = [&] {
    int sum = 0;
    for (const char* id : {"CUST1", "CUST2", "CUST3"})
      sum += dynamic_cast<const supply_chain::CustomerAgent&>((*env)[id]).received;
    return sum;
  };
  env->reset(1);
  phantom::Actions actions = env->make_actions();
  actions.set(0)[0] = 50.0f;
  env->step(actions);
  env->step(actions);
  int before = delivered();
  ASSERT_GT(before, 0) << "no customer ordered anything in two steps: pick another seed";
  env->step(actions);
  EXPECT_EQ(shop.sales, delivered() - before)
      << "the shop's sales add up over steps: its pre-resolution hook was not called";
  EXPECT_EQ(shop.missed_sales, 0);
}

}  // namespace
