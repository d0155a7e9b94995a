// The parameters of the market example, in one struct: how many traders and market makers, how
// long an episode is, the seed, and the rules of the price, the quotes and the traders' types.
//
// The defaults make a market in which a learnable signal exists: the fundamental value reverts to
// its mean (each step keeps `reversion` of its deviation and adds noise of `volatility`), so a
// trader who buys below the mean and sells above it earns more, on average, than the spread it
// pays. market.hpp describes the agents and one step.
#pragma once

#include <cstdint>

namespace market {

/// Everything a market env is built from (market::make_env). validate() states the rules.
struct MarketConfig {
  /// Strategic traders, all alike but for their sampled types (TRADER0, TRADER1, ...).
  int num_traders = 100;
  /// Market makers, rule-based hubs every trader is connected to (MAKER0, MAKER1, ...).
  int num_makers = 2;
  /// Steps in an episode (traders who stay to the end are truncated there).
  int episode_steps = 100;
  /// Where the env's generator starts: reset() without a seed continues from it, so two envs of
  /// the same config reset without seeds play the same episodes.
  uint64_t seed = 0;

  // ---- The fundamental value: F' = mean_price + reversion * (F - mean_price) + volatility * z,
  // z standard normal, once per step; every episode starts at mean_price.
  float mean_price = 100.0f;
  float reversion = 0.9f;
  float volatility = 1.0f;

  // ---- The makers' quotes: bid and ask at half_spread either side of a mid that leans against
  // the maker's inventory, mid = F - skew * inventory / (traders per maker). Dividing by the
  // traders a maker serves keeps the price impact of the crowd the same whatever its size.
  float half_spread = 0.25f;
  float skew = 0.05f;

  // ---- The traders: positions are limited to [-max_inventory, max_inventory] units, and each
  // trader's type is drawn at every reset, uniformly within these bounds.
  int max_inventory = 5;
  float min_cash = 200.0f, max_cash = 1000.0f;  ///< initial cash
  float max_risk_aversion = 0.05f;              ///< inventory penalty per unit squared, from 0
  /// How long a trader stays, as a share of the episode, drawn from [min_stay, max_stay]; a
  /// share of 1 or more stays to the end, a smaller one leaves early (is terminated).
  float min_stay = 0.5f, max_stay = 1.5f;

  /// Throws phantom::ConfigError naming the first field that breaks its rule: at least one trader,
  /// maker and step; a positive mean price; reversion in [0, 1); volatility, half spread, skew,
  /// risk aversion and cash not negative; min <= max for each drawn range; min_stay > 0; a
  /// positive max_inventory; every number finite.
  void validate() const;
};

}  // namespace market
