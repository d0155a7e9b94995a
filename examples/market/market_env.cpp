// The market env: its network, its fundamental value and its view.
#include "market_env.hpp"

#include <utility>

#include "phantom/error.hpp"

namespace market {

std::string trader_id(int i) {
  return "TRADER" + std::to_string(i);
}

std::string maker_id(int k) {
  return "MAKER" + std::to_string(k);
}

namespace {

std::unique_ptr<phantom::Network> make_network(const MarketConfig& config) {
  config.validate();
  auto net = std::make_unique<phantom::Network>();
  const double traders_per_maker =
      static_cast<double>(config.num_traders) / static_cast<double>(config.num_makers);
  for (int k = 0; k < config.num_makers; ++k) {
    net->emplace<MarketMaker>(maker_id(k), config, traders_per_maker);
  }
  for (int i = 0; i < config.num_traders; ++i) {
    const std::string id = trader_id(i);
    net->emplace<Trader>(id, config);
    for (int k = 0; k < config.num_makers; ++k) net->add_connection(id, maker_id(k));
  }
  return net;
}

}  // namespace

MarketEnv::MarketEnv(const MarketConfig& config)
    : PhantomEnv(make_network(config), config.episode_steps), config_(config) {
  rng_ = nn::Rng(config.seed);
  view_state_.fundamental = config.mean_price;
}

const phantom::StepResult& MarketEnv::reset(std::optional<uint64_t> seed) {
  view_state_.fundamental = config_.mean_price;
  return PhantomEnv::reset(seed);
}

Trader& MarketEnv::trader(int i) const {
  if (i < 0 || i >= config_.num_traders) {
    throw phantom::EnvError("MarketEnv::trader: no trader " + std::to_string(i) +
                            "; expected 0 to " + std::to_string(config_.num_traders - 1));
  }
  return static_cast<Trader&>(network().agent(config_.num_makers + i));
}

MarketMaker& MarketEnv::maker(int k) const {
  if (k < 0 || k >= config_.num_makers) {
    throw phantom::EnvError("MarketEnv::maker: no maker " + std::to_string(k) + "; expected 0 to " +
                            std::to_string(config_.num_makers - 1));
  }
  return static_cast<MarketMaker&>(network().agent(k));
}

const phantom::EnvView& MarketEnv::update_view() {
  fill_env_view(view_state_);
  return view_state_;
}

void MarketEnv::post_message_resolution() {
  const double mean = config_.mean_price;
  view_state_.fundamental = mean + config_.reversion * (view_state_.fundamental - mean) +
                            config_.volatility * static_cast<double>(rng_.normal());
  PhantomEnv::post_message_resolution();
}

std::unique_ptr<MarketEnv> make_env(const MarketConfig& config) {
  return std::make_unique<MarketEnv>(config);
}

}  // namespace market
