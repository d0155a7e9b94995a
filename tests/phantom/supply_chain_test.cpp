// The supply-chain example behaves as Python Phantom's example does, with its bugs fixed.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <utility>

#include "discrete_supply_chain.hpp"
#include "nn/error.hpp"
#include "supply_chain.hpp"
#include "support/error_message.hpp"

namespace {

using supply_chain::CustomerAgent;
using supply_chain::ShopAgent;

TEST(SupplyChain, NetworkOrderAndSpaces) {
  auto env = supply_chain::make_env();
  EXPECT_EQ(env->agent_ids(), (std::vector<std::string>{"SHOP", "WAREHOUSE", "CUST1", "CUST2",
                                                        "CUST3", "CUST4", "CUST5"}));
  EXPECT_EQ(env->strategic_agent_ids(), std::vector<std::string>{"SHOP"});
  EXPECT_EQ(env->strategic_agent(0).observation_space()->to_string(), "Box(0, 1, (3,))");
  EXPECT_EQ(env->strategic_agent(0).action_space()->to_string(), "Box(0, 100, (1,))");
}

// Scaling measurements (BM_ManyAgentsStep) ask for other numbers of customers: CUST1..CUSTn, all
// connected to the shop, each ordering every step; a negative count names the parameter.
TEST(SupplyChain, CustomerCount) {
  auto env = supply_chain::make_env(40);
  ASSERT_EQ(env->n_agents(), 42);
  EXPECT_EQ(env->agent_ids().back(), "CUST40");
  const phantom::Network& net = env->network();
  EXPECT_EQ(net.neighbours(net.index_of("SHOP")).size(), 41u);
  EXPECT_TRUE(net.has_edge("CUST40", "SHOP"));
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  actions.set(0)[0] = 0.0f;
  env->network().resolver().set_track_messages(true);
  env->step(actions);
  // 40 orders and 40 answers, the stock request and its answer.
  EXPECT_EQ(env->network().resolver().tracked().size(), 82u);
  EXPECT_EQ(supply_chain::make_env(0)->n_agents(), 2);
  try {
    supply_chain::make_env(-1);
    ADD_FAILURE() << "make_env(-1) did not throw";
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("num_customers"), std::string::npos) << e.what();
  }
}

// Orders are served from the stock held before the delivery, which arrives a round later; the
// observation and reward use the stock after the delivery.
TEST(SupplyChain, StepAccounting) {
  auto env = supply_chain::make_env();
  auto& shop = static_cast<ShopAgent&>((*env)["SHOP"]);
  phantom::Actions actions = env->make_actions();
  env->reset(3);
  actions.set(0)[0] = 20.0f;
  const phantom::StepResult& r1 = env->step(actions);
  // Step 1: no stock yet, so every order is missed; then 20 units arrive.
  EXPECT_EQ(shop.sales, 0);
  EXPECT_EQ(shop.stock, 20);
  int demand = shop.missed_sales;
  EXPECT_GE(demand, 0);
  EXPECT_LE(demand, 5 * (supply_chain::kCustomerMaxOrderSize - 1));
  EXPECT_FLOAT_EQ(r1.observation(0)[0], 0.2f);
  EXPECT_NEAR(r1.reward(0), 0 - 0.1 * 20, 1e-9);

  // Step 2: orders come out of the 20 in stock.
  actions.set(0)[0] = 0.0f;
  const phantom::StepResult& r2 = env->step(actions);
  EXPECT_EQ(shop.sales + shop.stock, 20);
  EXPECT_EQ(shop.missed_sales, 0);
  EXPECT_NEAR(r2.reward(0), shop.sales - 0.1 * shop.stock, 1e-9);
  int received = 0;
  for (int i = 1; i <= 5; ++i)
    received += static_cast<CustomerAgent&>((*env)["CUST" + std::to_string(i)]).received;
  EXPECT_EQ(received, shop.sales);
}

// Fixed: a negative action requests nothing (Python could send a negative StockRequest), and
// requests never overfill the shop.
TEST(SupplyChain, RequestsAreClampedToTheFreeSpace) {
  auto env = supply_chain::make_env();
  auto& shop = static_cast<ShopAgent&>((*env)["SHOP"]);
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  actions.set(0)[0] = 100.0f;
  env->step(actions);
  EXPECT_EQ(shop.delivered_stock, supply_chain::kShopMaxStock);  // the shop was empty
  ASSERT_EQ(shop.stock, supply_chain::kShopMaxStock);
  env->step(actions);  // the shop is full when it orders: no free space, nothing requested
  EXPECT_EQ(shop.delivered_stock, 0);
  EXPECT_LE(shop.stock, supply_chain::kShopMaxStock);
}

// Fixed: reset clears sales and missed sales too (Python's first observation of an episode showed
// the previous episode's sales).
TEST(SupplyChain, ResetClearsEverything) {
  auto env = supply_chain::make_env();
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  for (int i = 0; i < 5; ++i) {
    actions.set(0)[0] = 15.0f;
    env->step(actions);
  }
  const phantom::StepResult& r = env->reset(2);
  EXPECT_EQ(r.observation_vector(0), (std::vector<float>{0, 0, 0}));
}

TEST(SupplyChain, RoundHalfEven) {
  EXPECT_EQ(supply_chain::round_half_even(2.5f), 2);
  EXPECT_EQ(supply_chain::round_half_even(3.5f), 4);
  EXPECT_EQ(supply_chain::round_half_even(-0.5f), 0);
  EXPECT_EQ(supply_chain::round_half_even(2.6f), 3);
}

// Same seed, same episode; another seed, another one.
TEST(SupplyChain, EpisodesAreReproducibleFromTheSeed) {
  auto run = [](uint64_t seed) {
    auto env = supply_chain::make_env();
    phantom::Actions actions = env->make_actions();
    env->reset(seed);
    double total = 0;
    while (!env->done()) {
      actions.set(0)[0] = 10.0f;
      total += env->step(actions).reward(0);
    }
    return total;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

// One step of a fresh env (seed 1) in which the shop takes `action`; returns the shop.
const ShopAgent& shop_after_one_step(phantom::PhantomEnv& env, float action) {
  phantom::Actions actions = env.make_actions();
  env.reset(1);
  actions.set(0)[0] = action;
  env.step(actions);
  return static_cast<const ShopAgent&>(env["SHOP"]);
}

// Reproducer: NaN, inf or huge actions were converted to int, which is undefined behaviour. The
// env now refuses any action outside the shop's space (an EnvError before the step starts), and
// the shops stay safe on their own: their decoders bring the value into the space as a float
// before it becomes an int (supply_chain::order_action), and a NaN is an error naming the agent.
TEST(SupplyChain, NonFiniteAndHugeActionsAreRefusedByTheEnv) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (float action :
       {kInf, -kInf, 1e30f, -7.0f, 250.0f, std::numeric_limits<float>::quiet_NaN()}) {
    auto env = supply_chain::make_env();
    EXPECT_HAS(
        test_support::message_of<phantom::EnvError>([&] { shop_after_one_step(*env, action); }),
        "agent 'SHOP' chose the action");
  }
  auto discrete = supply_chain::make_discrete_env();
  EXPECT_HAS(
      test_support::message_of<phantom::EnvError>([&] { shop_after_one_step(*discrete, 7.0f); }),
      "Discrete(6)");
  EXPECT_EQ(shop_after_one_step(*discrete, 2.0f).delivered_stock, 10);  // 5 units a choice
}

TEST(SupplyChain, TheShopsClampTheirOwnActionsBeforeTheyBecomeInts) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (const auto& [action, clamped] : {std::pair<float, float>{kInf, 100},
                                        {-kInf, 0},
                                        {1e30f, 100},
                                        {-1e30f, 0},
                                        {3e9f, 100},
                                        {42.5f, 42.5f}}) {
    EXPECT_EQ(supply_chain::order_action("SHOP", action, 0, 100), clamped) << "action " << action;
  }
  EXPECT_EQ(supply_chain::order_action("SHOP", 7, 0, 5), 5);  // the discrete shop's index
  EXPECT_HAS(test_support::message_of<phantom::ValueError>([] {
               supply_chain::order_action("SHOP", std::numeric_limits<float>::quiet_NaN(), 0, 100);
             }),
             "agent 'SHOP' chose a NaN action");
}

}  // namespace
