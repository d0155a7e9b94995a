// The market example (examples/market): its network, quotes, fills, limits, the conservation of
// cash and units, traders who leave early, per-trader types, and determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "market_env.hpp"
#include "nn/error.hpp"
#include "phantom/error.hpp"
#include "support/error_message.hpp"

namespace {

using market::MarketConfig;
using market::MarketEnv;
using market::Trader;
using market::TraderType;

MarketConfig small_market(int traders, int makers) {
  MarketConfig c;
  c.num_traders = traders;
  c.num_makers = makers;
  c.episode_steps = 20;
  c.seed = 5;
  return c;
}

// Fixes trader i's type (before a reset, which then keeps these values).
void fix_type(MarketEnv& env, int i, float cash, float risk_aversion, float stay) {
  auto& type = env.trader(i).type<TraderType>();
  type.initial_cash = cash;
  type.risk_aversion = risk_aversion;
  type.stay = stay;
}

// Gives every trader that acts next the same action (Trader::buy, hold or sell).
void all_do(const MarketEnv& env, phantom::Actions& actions, int action) {
  actions.clear();
  for (int i = 0; i < env.num_strategic(); ++i) {
    if (env.step_result().acts(i)) actions.set(i)[0] = static_cast<float>(action);
  }
}

// Gives every trader that acts next an action drawn from `rng`.
void random_actions(const MarketEnv& env, phantom::Actions& actions, nn::Rng& rng) {
  actions.clear();
  for (int i = 0; i < env.num_strategic(); ++i) {
    if (env.step_result().acts(i)) {
      actions.set(i)[0] = static_cast<float>(rng.uniform_int(0, 3));
    }
  }
}

// A price from its observed form (percent above the mean price).
double observed_price(const MarketEnv& env, float percent) {
  return env.config().mean_price * (1.0 + percent / 100.0);
}

TEST(Market, NetworkIsBipartiteWithMakersAsHubs) {
  auto env = market::make_env(small_market(5, 3));
  ASSERT_EQ(env->n_agents(), 8);
  EXPECT_EQ(env->agent_ids()[0], "MAKER0");
  EXPECT_EQ(env->agent_ids()[3], "TRADER0");
  ASSERT_EQ(env->num_strategic(), 5);  // the traders, in order; the makers are rule-based
  EXPECT_EQ(env->strategic_agent_ids()[4], "TRADER4");
  const phantom::Network& net = env->network();
  for (int k = 0; k < 3; ++k) EXPECT_EQ(net.neighbours(k).size(), 5u) << "MAKER" << k;
  for (int i = 0; i < 5; ++i) {
    const auto& neighbours = net.neighbours(3 + i);
    EXPECT_EQ(neighbours, (std::vector<phantom::AgentIndex>{0, 1, 2})) << "TRADER" << i;
  }
  EXPECT_FALSE(net.has_edge("TRADER0", "TRADER1"));
  EXPECT_FALSE(net.has_edge("MAKER0", "MAKER1"));
  const Trader& t = env->trader(0);
  EXPECT_EQ(t.observation_space()->flat_size(), Trader::kObservationSize);
  EXPECT_EQ(t.action_space()->as_discrete().n(), 3);
}

// The quotes a trader observes are the ones its next order is filled at, and the maker leans its
// quotes against its inventory (here with a still fundamental, so only the skew moves them).
TEST(Market, OrdersFillAtTheQuotesTheTraderObserved) {
  MarketConfig c = small_market(2, 1);
  c.volatility = 0.0f;
  c.half_spread = 0.25f;
  c.skew = 0.5f;  // 0.25 a unit with 2 traders per maker
  auto env = market::make_env(c);
  for (int i = 0; i < 2; ++i) fix_type(*env, i, 1000.0f, 0.0f, 1.5f);
  Trader& buyer = env->trader(0);
  market::MarketMaker& maker = env->maker(0);
  phantom::Actions actions = env->make_actions();
  const phantom::StepResult& reset = env->reset(1);
  EXPECT_FLOAT_EQ(reset.observation(0)[Trader::kBestBid], -0.25f);
  EXPECT_FLOAT_EQ(reset.observation(0)[Trader::kBestAsk], 0.25f);

  double observed_ask = observed_price(*env, reset.observation(0)[Trader::kBestAsk]);
  for (int step = 1; step <= 4; ++step) {
    all_do(*env, actions, Trader::hold);
    actions.set(0)[0] = Trader::buy;
    const double cash_before = buyer.cash;
    const phantom::StepResult& r = env->step(actions);
    EXPECT_EQ(buyer.inventory, step);
    EXPECT_NEAR(cash_before - buyer.cash, observed_ask, 1e-4) << "step " << step;
    // Reward: the change of wealth marked at the fundamental (100), no risk aversion.
    EXPECT_NEAR(r.reward(0), 100.0 - observed_ask, 1e-4) << "step " << step;
    EXPECT_EQ(r.reward(1), 0.0);  // the holder's wealth did not change
    observed_ask = observed_price(*env, r.observation(0)[Trader::kBestAsk]);
  }
  // The maker sold 4 units; after each step it announced quotes 0.25 higher per unit it was
  // short, and it fills at them a step later.
  EXPECT_EQ(maker.inventory, -4);
  EXPECT_NEAR(maker.announced().ask, 100.25 + 4 * 0.25, 1e-4);
  EXPECT_NEAR(maker.quote().ask, 100.25 + 3 * 0.25, 1e-4);
  EXPECT_NEAR(maker.announced().bid, maker.announced().ask - 0.5, 1e-4);
}

// Several makers: a buy goes to the lowest ask, a sell to the highest bid, whichever maker offers
// them.
TEST(Market, OrdersGoToTheMakerWithTheBestQuote) {
  MarketConfig c = small_market(4, 2);
  c.volatility = 0.0f;
  c.skew = 1.0f;
  auto env = market::make_env(c);
  for (int i = 0; i < 4; ++i) fix_type(*env, i, 1000.0f, 0.0f, 1.5f);
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  // Step 1: two buys; both makers quote alike, so both go to MAKER0 (the first on a tie).
  all_do(*env, actions, Trader::hold);
  actions.set(0)[0] = actions.set(1)[0] = Trader::buy;
  env->step(actions);
  EXPECT_EQ(env->maker(0).inventory, -2);
  EXPECT_EQ(env->maker(1).inventory, 0);
  // MAKER0 now announces higher prices; from step 3 on (once traders have seen them) its ask is
  // the worse one and its bid the better one.
  all_do(*env, actions, Trader::hold);
  env->step(actions);
  all_do(*env, actions, Trader::hold);
  actions.set(2)[0] = Trader::buy;
  actions.set(3)[0] = Trader::sell;
  env->step(actions);
  EXPECT_EQ(env->maker(1).inventory, -1) << "the buy went to the lower ask";
  EXPECT_EQ(env->maker(0).inventory, -1) << "the sell went to the higher bid";
}

// A trader never holds more than max_inventory units either way, and buys only what its cash
// covers; an order it may not place is not sent.
TEST(Market, TradersKeepTheirLimits) {
  MarketConfig c = small_market(2, 1);
  c.volatility = 0.0f;
  c.max_inventory = 2;
  auto env = market::make_env(c);
  fix_type(*env, 0, 1000.0f, 0.0f, 1.5f);
  fix_type(*env, 1, 150.0f, 0.0f, 1.5f);  // enough for one unit at about 100, not two
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  for (int step = 0; step < 4; ++step) {
    all_do(*env, actions, Trader::buy);
    env->step(actions);
  }
  EXPECT_EQ(env->trader(0).inventory, 2);
  EXPECT_EQ(env->trader(1).inventory, 1);
  EXPECT_GE(env->trader(1).cash, 0.0);
  for (int step = 0; step < 6; ++step) {
    all_do(*env, actions, Trader::sell);
    env->step(actions);
  }
  EXPECT_EQ(env->trader(0).inventory, -2);
  EXPECT_EQ(env->trader(1).inventory, -2);
  EXPECT_EQ(env->maker(0).inventory, 4);
}

// Over episodes of random orders with a moving price and several makers, cash and units only
// change hands: the traders' and makers' totals stay what the traders started with. Every fill is
// at the best quote the trader observed before it chose the order, and each reward is the change
// of the trader's mark-to-market wealth minus its inventory penalty.
TEST(Market, CashAndUnitsAreConserved) {
  MarketConfig c = small_market(7, 3);
  c.max_inventory = 3;
  auto env = market::make_env(c);
  phantom::Actions actions = env->make_actions();
  nn::Rng rng(11);
  for (uint64_t episode = 0; episode < 3; ++episode) {
    env->reset(episode);
    double initial_cash = 0;
    std::vector<double> wealth(7), cash_before(7), bid(7), ask(7);
    std::vector<int> inventory_before(7);
    for (int i = 0; i < 7; ++i) {
      initial_cash += env->trader(i).type<TraderType>().initial_cash.value();
      wealth[i] = env->trader(i).cash;
    }
    while (!env->done()) {
      for (int i = 0; i < 7; ++i) {
        const Trader& t = env->trader(i);
        cash_before[i] = t.cash;
        inventory_before[i] = t.inventory;
        if (!env->step_result().acts(i)) continue;
        bid[i] = observed_price(*env, env->step_result().observation(i)[Trader::kBestBid]);
        ask[i] = observed_price(*env, env->step_result().observation(i)[Trader::kBestAsk]);
      }
      random_actions(*env, actions, rng);
      const phantom::StepResult& r = env->step(actions);
      double cash = 0;
      int units = 0;
      for (int k = 0; k < 3; ++k) {
        cash += env->maker(k).cash;
        units += env->maker(k).inventory;
      }
      for (int i = 0; i < 7; ++i) {
        const Trader& t = env->trader(i);
        cash += t.cash;
        units += t.inventory;
        ASSERT_LE(std::abs(t.inventory), 3) << t.id();
        ASSERT_GE(t.cash, 0.0) << t.id();
        const int bought = t.inventory - inventory_before[i];
        if (bought != 0) {
          ASSERT_NEAR(cash_before[i] - t.cash, bought > 0 ? ask[i] : -bid[i], 1e-4)
              << t.id() << " at step " << env->current_step();
        }
        if (!r.has_reward(i)) continue;  // left in an earlier step
        const double now = t.cash + t.inventory * env->fundamental();
        const double risk = t.type<TraderType>().risk_aversion.value();
        ASSERT_NEAR(r.reward(i), now - wealth[i] - risk * t.inventory * t.inventory, 1e-9)
            << t.id() << " at step " << env->current_step();
        wealth[i] = now;
      }
      ASSERT_NEAR(cash, initial_cash, 1e-6) << "step " << env->current_step();
      ASSERT_EQ(units, 0) << "step " << env->current_step();
    }
  }
}

// A trader whose stay is under the episode leaves at ceil(stay x steps): terminated, observed and
// rewarded one last time, then never asked to act again, while the others trade on until the
// episode is truncated.
TEST(Market, TradersWhoLeaveEarlyAreTerminated) {
  MarketConfig c = small_market(3, 2);
  auto env = market::make_env(c);
  fix_type(*env, 0, 500.0f, 0.0f, 0.25f);  // leaves at step 5 of 20
  fix_type(*env, 1, 500.0f, 0.0f, 0.61f);  // leaves at step 13
  fix_type(*env, 2, 1000.0f, 0.0f, 1.0f);  // stays to the end
  phantom::Actions actions = env->make_actions();
  const phantom::StepResult& reset = env->reset(3);
  EXPECT_EQ(env->trader(0).leave_step(), 5);
  EXPECT_EQ(env->trader(1).leave_step(), 13);
  EXPECT_FALSE(env->trader(2).leaves_early());
  EXPECT_FLOAT_EQ(reset.observation(0)[Trader::kTimeLeft], 0.25f);
  EXPECT_FLOAT_EQ(reset.observation(2)[Trader::kTimeLeft], 1.0f);

  int inventory_at_leave = 0;
  while (!env->done()) {
    // Everyone is told to buy, even a trader who left: the env ignores actions of the departed.
    actions.clear();
    for (int i = 0; i < 3; ++i) actions.set(i)[0] = Trader::buy;
    const phantom::StepResult& r = env->step(actions);
    const int64_t t = env->current_step();
    EXPECT_EQ(r.terminated(0), t == 5) << "step " << t;
    EXPECT_EQ(r.reported(0), t <= 5) << "step " << t;
    EXPECT_EQ(r.has_reward(0), t <= 5) << "step " << t;
    EXPECT_EQ(r.acts(0), t < 5) << "step " << t;
    EXPECT_EQ(r.terminated(1), t == 13) << "step " << t;
    EXPECT_FALSE(r.terminated(2));
    if (t == 5) inventory_at_leave = env->trader(0).inventory;
  }
  EXPECT_EQ(env->current_step(), 20);
  EXPECT_TRUE(env->step_result().all_truncated);
  EXPECT_EQ(env->trader(0).inventory, inventory_at_leave) << "a trader who left traded";
  EXPECT_EQ(env->trader(2).inventory, c.max_inventory);
}

// Types are drawn per trader at every reset, shown in the observation, and change what a trader
// can do and what it earns.
TEST(Market, TradersOfDifferentTypesObserveAndActDifferently) {
  MarketConfig c = small_market(50, 2);
  auto env = market::make_env(c);
  const phantom::StepResult& r = env->reset(4);
  std::vector<float> risks;
  for (int i = 0; i < 50; ++i) {
    const auto& type = env->trader(i).type<TraderType>();
    EXPECT_GE(type.initial_cash.value(), c.min_cash);
    EXPECT_LE(type.initial_cash.value(), c.max_cash);
    EXPECT_FLOAT_EQ(r.observation(i)[Trader::kCash],
                    static_cast<float>(type.initial_cash.value() / Trader::kCashScale));
    EXPECT_FLOAT_EQ(r.observation(i)[Trader::kRiskAversion],
                    static_cast<float>(type.risk_aversion.value() * Trader::kRiskAversionScale));
    risks.push_back(type.risk_aversion.value());
  }
  std::sort(risks.begin(), risks.end());
  EXPECT_EQ(std::unique(risks.begin(), risks.end()), risks.end()) << "two traders drew one value";
  int leavers = 0;
  for (int i = 0; i < 50; ++i) leavers += env->trader(i).leaves_early() ? 1 : 0;
  EXPECT_GT(leavers, 5);
  EXPECT_LT(leavers, 45);
  const float first_risk = env->trader(0).type<TraderType>().risk_aversion.value();
  env->reset(5);
  EXPECT_NE(env->trader(0).type<TraderType>().risk_aversion.value(), first_risk);

  // Same orders, other types: the poor trader cannot buy, and the risk-averse one pays for its
  // position.
  MarketConfig still = small_market(3, 1);
  still.volatility = 0.0f;
  auto market = market::make_env(still);
  fix_type(*market, 0, 1000.0f, 0.0f, 1.5f);
  fix_type(*market, 1, 50.0f, 0.0f, 1.5f);
  fix_type(*market, 2, 1000.0f, 0.5f, 1.5f);
  phantom::Actions actions = market->make_actions();
  market->reset(1);
  all_do(*market, actions, Trader::buy);
  const phantom::StepResult& s = market->step(actions);
  EXPECT_EQ(market->trader(0).inventory, 1);
  EXPECT_EQ(market->trader(1).inventory, 0);
  EXPECT_EQ(market->trader(2).inventory, 1);
  EXPECT_NEAR(s.reward(0), -still.half_spread, 1e-4);
  EXPECT_EQ(s.reward(1), 0.0);
  EXPECT_NEAR(s.reward(2), -still.half_spread - 0.5, 1e-4);
}

// The same config and seeds give the same episodes bit for bit; reset() without a seed starts
// from the config's seed.
TEST(Market, SameSeedSameTrajectory) {
  auto trajectory = [](uint64_t config_seed) {
    MarketConfig c = small_market(6, 2);
    c.seed = config_seed;
    auto env = market::make_env(c);
    phantom::Actions actions = env->make_actions();
    nn::Rng rng(2);
    std::vector<double> out;
    for (int episode = 0; episode < 2; ++episode) {
      const phantom::StepResult& first = episode == 0 ? env->reset() : env->reset(77);
      for (int i = 0; i < 6; ++i) {
        out.insert(out.end(), first.observation(i), first.observation(i) + 6);
      }
      while (!env->done()) {
        random_actions(*env, actions, rng);
        const phantom::StepResult& r = env->step(actions);
        out.push_back(env->fundamental());
        for (int i = 0; i < 6; ++i) {
          if (!r.observed(i)) continue;
          out.insert(out.end(), r.observation(i), r.observation(i) + 6);
          out.push_back(r.reward(i));
        }
      }
    }
    return out;
  };
  const std::vector<double> a = trajectory(5);
  EXPECT_EQ(a, trajectory(5));
  EXPECT_NE(a, trajectory(6));
}

TEST(Market, InvalidConfigsNameTheField) {
  auto message = [](MarketConfig c) {
    return test_support::message_of<phantom::ConfigError>([&] { market::make_env(c); });
  };
  MarketConfig c;
  c.num_traders = 0;
  EXPECT_HAS(message(c), "num_traders is 0; expected");
  c = MarketConfig{};
  c.reversion = 1.0f;
  EXPECT_HAS(message(c), "reversion is 1; expected a number in [0, 1)");
  c = MarketConfig{};
  c.max_cash = 10.0f;
  EXPECT_HAS(message(c), "max_cash is 10; expected a finite number >= 200");
  c = MarketConfig{};
  c.volatility = std::nanf("");
  EXPECT_HAS(message(c), "volatility");
  auto env = market::make_env(small_market(2, 1));
  EXPECT_HAS(test_support::message_of<phantom::EnvError>([&] { env->trader(2); }),
             "no trader 2; expected 0 to 1");
}

}  // namespace
