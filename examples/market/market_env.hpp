// The market example: N traders, all driven by one shared policy, trade one asset with K market
// makers whose quotes follow a mean-reverting fundamental value.
//
// The network is bipartite: every trader is connected to every maker and to nothing else, so
// each maker is a hub with N neighbours and a trader has K. Nothing in a step is proportional to
// N per agent: a trader reads K quotes and sends at most one order; a maker handles the orders it
// gets; the env draws one number. So the work of an agent-step stays the same from ten traders
// to ten thousand (bench/env_bench/market_bench.cpp, docs/MARKET.md).
//
// One step t (the order of phantom::PhantomEnv::step, with what each part does here):
//  1. The step starts: every trader's context gets a snapshot of its makers' views, the quotes
//     each maker announced at the end of step t-1.
//  2. Traders act: each sends its order (or none) to the maker with the best quote it observed.
//  3. Resolution: each maker fills its orders at its current quotes, those it announced at the end
//     of step t-2 (at reset, for steps 1 and 2), which are exactly the quotes the trader observed
//     when it chose the order; the trader gets a Fill in the next round.
//  4. The env moves the fundamental value one step (one normal draw from its generator); then
//     every maker re-quotes from it and from its inventory after the fills (market_maker.hpp).
//  5. Traders are observed (the quotes of the snapshot of 1., which fill their next orders) and
//     rewarded (their wealth marked at the new fundamental). A trader whose time is up leaves:
//     it is terminated and the env no longer asks it to act. The rest are truncated at the end.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "market_config.hpp"
#include "market_maker.hpp"
#include "phantom/env.hpp"
#include "trader.hpp"

namespace market {

/// What every agent sees of the env: the step, and the fundamental value, which makers quote
/// around and traders' wealth is marked at. Traders do not observe it; they see the quotes.
struct MarketView : phantom::EnvView {
  double fundamental = 0.0;
};

/// The id of trader i (TRADER<i>) and maker k (MAKER<k>).
std::string trader_id(int i);
std::string maker_id(int k);

class MarketEnv : public phantom::PhantomEnv {
 public:
  /// Builds the makers (network indices 0..K-1) and the traders (K..K+N-1), every trader
  /// connected to every maker. Throws ConfigError for an invalid config (MarketConfig::validate).
  explicit MarketEnv(const MarketConfig& config);

  /// Starts an episode with the fundamental at the mean price.
  const phantom::StepResult& reset(std::optional<uint64_t> seed = std::nullopt) override;

  const MarketConfig& config() const { return config_; }
  /// The current fundamental value.
  double fundamental() const { return view_state_.fundamental; }
  /// Trader i (0 <= i < num_traders) and maker k (0 <= k < num_makers); EnvError otherwise.
  Trader& trader(int i) const;
  MarketMaker& maker(int k) const;

 protected:
  const phantom::EnvView& update_view() override;
  /// Moves the fundamental, then calls the agents' post-resolution hooks (the makers re-quote).
  void post_message_resolution() override;

 private:
  MarketConfig config_;
  MarketView view_state_;
};

/// A market env for `config` (what an EnvFactory of the example returns).
std::unique_ptr<MarketEnv> make_env(const MarketConfig& config = {});

}  // namespace market
