// A trader: the strategic agent of the market example. Every trader of an env is mapped to the
// same policy; what sets them apart is their type, drawn at every reset, which they observe.
//
// Each step a trader buys one unit, sells one, or holds. It sends a buy to the maker with the
// lowest announced ask and a sell to the one with the highest announced bid (the first such maker
// in connection order on a tie), so it always meets the best quotes it observed. Its own limits
// come first: it never holds more than max_inventory units long or short, and it buys only when
// its cash covers the ask; an order it may not place is not sent (it holds).
//
// Reward: the change of its mark-to-market wealth (cash + inventory x fundamental value) over the
// step, minus its risk aversion times its inventory squared.
#pragma once

#include <cstdint>
#include <string>

#include "market_config.hpp"
#include "messages.hpp"
#include "phantom/strategic_agent.hpp"
#include "phantom/supertype.hpp"

namespace market {

/// A trader's type: drawn at every reset within MarketConfig's bounds, or fixed by a test or an
/// experiment before a reset (`trader.type<TraderType>().risk_aversion = 0.01f`). The trader
/// reads the values at each reset.
struct TraderType : phantom::Supertype {
  explicit TraderType(const MarketConfig& config);
  phantom::Field initial_cash{this, "initial_cash", 0.0f};
  phantom::Field risk_aversion{this, "risk_aversion", 0.0f};
  /// The share of the episode the trader stays; below 1 it leaves early.
  phantom::Field stay{this, "stay", 1.0f};
};

class Trader : public phantom::StrategicAgent {
 public:
  /// The actions, Discrete(3).
  enum Action { sell = 0, hold = 1, buy = 2 };
  /// The observation, Box of kObservationSize floats:
  ///   [kCash]      cash / kCashScale
  ///   [kInventory] inventory / max_inventory
  ///   [kBestBid], [kBestAsk]  the best announced quotes, in percent above the mean price
  ///   [kRiskAversion]  risk aversion x kRiskAversionScale
  ///   [kTimeLeft]  steps until the trader leaves (or the episode ends) / steps of an episode
  enum Observation { kCash, kInventory, kBestBid, kBestAsk, kRiskAversion, kTimeLeft };
  static constexpr int kObservationSize = 6;
  static constexpr double kCashScale = 1000.0;
  static constexpr double kRiskAversionScale = 20.0;

  Trader(std::string id, const MarketConfig& config);

  /// Finds the best announced quotes among its makers (and remembers who offers them).
  bool encode_observation(phantom::Context& ctx, float* out) override;
  /// Sends the chosen order to the maker with the best quote for it, within the trader's limits.
  void decode_action(phantom::Context& ctx, const float* action) override;
  double compute_reward(phantom::Context& ctx) override;
  /// True from the step at which a trader who leaves early leaves.
  bool is_terminated(phantom::Context& ctx) override;
  /// Draws the type; cash = initial cash, no inventory.
  void reset(nn::Rng& rng) override;

  /// The step at which this episode's trader leaves; episode_steps if it stays to the end.
  int64_t leave_step() const { return leave_step_; }
  bool leaves_early() const { return leave_step_ < episode_steps_; }

  // Everything a step reads or writes of a trader lies on one 64-byte cache line, the first of
  // these fields (alignas), whatever the size of the base classes. With thousands of traders the
  // step's passes over them (acting, the fill, the observation and reward) each find the trader
  // evicted by the others, so each pass then reads two lines of it, this one and the one holding
  // its vtable pointer and message handler, instead of three or four.

  alignas(64) double cash = 0.0;
  /// Mark-to-market wealth at the last reward (the initial cash after a reset).
  double wealth = 0.0;
  int inventory = 0;

 private:
  int max_inventory_;
  double mean_price_;
  double risk_aversion_ = 0.0;  // the type's value, read once per episode at reset
  int episode_steps_;
  int leave_step_ = 0;
  // The best announced quotes of the last observation, and the makers offering them.
  float best_bid_ = 0.0f, best_ask_ = 0.0f;
  phantom::AgentIndex best_bid_maker_ = -1, best_ask_maker_ = -1;
};

}  // namespace market
