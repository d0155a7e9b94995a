// MarketConfig's rules.
#include "market_config.hpp"

#include <cmath>
#include <string>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace market {

namespace {

[[noreturn]] void refuse(const std::string& field, double value, const std::string& rule) {
  throw phantom::ConfigError("MarketConfig: " + field + " is " + phantom::double_string(value) +
                             "; expected " + rule);
}

void at_least(const char* field, double value, double low) {
  if (!std::isfinite(value) || value < low) {
    refuse(field, value, "a finite number >= " + phantom::double_string(low));
  }
}

}  // namespace

void MarketConfig::validate() const {
  at_least("num_traders", num_traders, 1);
  at_least("num_makers", num_makers, 1);
  at_least("episode_steps", episode_steps, 1);
  if (!std::isfinite(mean_price) || mean_price <= 0) {
    refuse("mean_price", mean_price, "a finite number > 0");
  }
  if (!std::isfinite(reversion) || reversion < 0 || reversion >= 1) {
    refuse("reversion", reversion, "a number in [0, 1)");
  }
  at_least("volatility", volatility, 0);
  at_least("half_spread", half_spread, 0);
  at_least("skew", skew, 0);
  at_least("max_inventory", max_inventory, 1);
  at_least("min_cash", min_cash, 0);
  at_least("max_cash", max_cash, min_cash);
  at_least("max_risk_aversion", max_risk_aversion, 0);
  if (!std::isfinite(min_stay) || min_stay <= 0)
    refuse("min_stay", min_stay, "a finite number > 0");
  at_least("max_stay", max_stay, min_stay);
}

}  // namespace market
