// The trader's observation, orders and reward.
#include "trader.hpp"

#include <cmath>
#include <limits>

#include "market_env.hpp"

namespace market {

using phantom::Context;
using phantom::Message;

namespace {

// Every trader of every env shares one observation space and one action space (spaces are
// immutable). With thousands of traders, a pair of spaces per trader would be thousands of heap
// blocks, one of which the env's action check reads for every trader at every step.
const phantom::SpacePtr& shared_observation_space() {
  static const phantom::SpacePtr space = phantom::box(-1e6f, 1e6f, {Trader::kObservationSize});
  return space;
}
const phantom::SpacePtr& shared_action_space() {
  static const phantom::SpacePtr space = phantom::discrete(3);
  return space;
}

}  // namespace

TraderType::TraderType(const MarketConfig& config) {
  // Each trader has samplers of its own, so every trader draws its own values.
  initial_cash = phantom::uniform(config.min_cash, config.max_cash);
  risk_aversion = phantom::uniform(0.0f, config.max_risk_aversion);
  stay = phantom::uniform(config.min_stay, config.max_stay);
}

Trader::Trader(std::string id, const MarketConfig& config)
    : StrategicAgent(std::move(id), shared_observation_space(), shared_action_space()),
      max_inventory_(config.max_inventory),
      mean_price_(config.mean_price),
      episode_steps_(config.episode_steps) {
  // No resolution hooks: with thousands of traders, a pass calling empty hooks would cost as
  // much as a trader's own work in a step.
  set_resolution_hooks(phantom::ResolutionHooks::none);
  set_supertype(std::make_shared<TraderType>(config));
  on<Fill>([this](Context&, const Message<Fill>& m) {
    inventory += m.payload.quantity;
    cash -= m.payload.quantity * static_cast<double>(m.payload.price);
  });
}

bool Trader::encode_observation(Context& ctx, float* out) {
  best_bid_ = -std::numeric_limits<float>::infinity();
  best_ask_ = std::numeric_limits<float>::infinity();
  for (phantom::AgentIndex maker : ctx.neighbours()) {  // every neighbour is a maker (make_env)
    const QuoteView* q = ctx.view<QuoteView>(maker);
    if (q->bid > best_bid_) {
      best_bid_ = q->bid;
      best_bid_maker_ = maker;
    }
    if (q->ask < best_ask_) {
      best_ask_ = q->ask;
      best_ask_maker_ = maker;
    }
  }
  const double percent = 100.0 / mean_price_;
  out[kCash] = static_cast<float>(cash / kCashScale);
  out[kInventory] = static_cast<float>(inventory) / static_cast<float>(max_inventory_);
  out[kBestBid] = static_cast<float>((best_bid_ - mean_price_) * percent);
  out[kBestAsk] = static_cast<float>((best_ask_ - mean_price_) * percent);
  out[kRiskAversion] = static_cast<float>(risk_aversion_ * kRiskAversionScale);
  out[kTimeLeft] = static_cast<float>(leave_step_ - ctx.env_view().current_step) /
                   static_cast<float>(episode_steps_);
  return true;
}

void Trader::decode_action(Context& ctx, const float* action) {
  switch (static_cast<int>(action[0])) {
    case buy:
      if (inventory < max_inventory_ && cash >= best_ask_) ctx.send(best_ask_maker_, Order{+1});
      break;
    case sell:
      if (inventory > -max_inventory_) ctx.send(best_bid_maker_, Order{-1});
      break;
    default:  // hold (the env has checked that the action is 0, 1 or 2)
      break;
  }
}

double Trader::compute_reward(Context& ctx) {
  const double mark = ctx.env_view<MarketView>().fundamental;
  const double now = cash + inventory * mark;
  const double reward = now - wealth - risk_aversion_ * inventory * inventory;
  wealth = now;
  return reward;
}

bool Trader::is_terminated(Context& ctx) {
  return leaves_early() && ctx.env_view().current_step >= leave_step_;
}

void Trader::reset(nn::Rng& rng) {
  StrategicAgent::reset(rng);  // draws the type
  const auto& type = this->type<TraderType>();
  cash = wealth = type.initial_cash.value();
  risk_aversion_ = type.risk_aversion.value();
  inventory = 0;
  // At least one step, and never past the end of the episode.
  const auto stay = static_cast<int64_t>(
      std::ceil(static_cast<double>(type.stay.value()) * static_cast<double>(episode_steps_)));
  leave_step_ = static_cast<int>(stay < 1 ? 1 : stay > episode_steps_ ? episode_steps_ : stay);
}

}  // namespace market
