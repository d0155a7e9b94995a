// The market maker's fills and quotes.
#include "market_maker.hpp"

#include "market_env.hpp"

namespace market {

using phantom::Context;
using phantom::Message;

MarketMaker::MarketMaker(std::string id, const MarketConfig& config, double traders_per_maker)
    : Agent(std::move(id)),
      mean_price_(config.mean_price),
      half_spread_(config.half_spread),
      skew_per_unit_(static_cast<double>(config.skew) / traders_per_maker) {
  // Both hooks (the default): the pre hook clears the trade count, the post hook re-quotes.
  on<Order>([this](Context& ctx, const Message<Order>& m) {
    // Every order is filled in full: the maker is the market's liquidity.
    const int quantity = m.payload.side > 0 ? 1 : -1;
    const float price = quantity > 0 ? quote_.ask : quote_.bid;
    inventory -= quantity;
    cash += quantity * static_cast<double>(price);
    ++trades;
    ctx.send(m.sender, Fill{quantity, price});
  });
}

QuoteView MarketMaker::view(const phantom::Agent&) const {
  return announced_;
}

void MarketMaker::pre_message_resolution(Context&) {
  trades = 0;
}

void MarketMaker::post_message_resolution(Context& ctx) {
  quote_ = announced_;
  announced_ = quote_around(ctx.env_view<MarketView>().fundamental);
}

void MarketMaker::reset(nn::Rng& rng) {
  Agent::reset(rng);
  inventory = 0;
  cash = 0.0;
  trades = 0;
  quote_ = announced_ = quote_around(mean_price_);
}

QuoteView MarketMaker::quote_around(double fundamental) const {
  const double mid = fundamental - skew_per_unit_ * inventory;
  return {static_cast<float>(mid - half_spread_), static_cast<float>(mid + half_spread_)};
}

}  // namespace market
