// A market maker: a rule-based (non-strategic) agent that fills every order at its quotes.
//
// It quotes a bid and an ask half a spread either side of a mid price. The mid follows the
// fundamental value (MarketView, market_env.hpp) and leans against the maker's inventory: a
// maker that has sold (negative inventory) raises its prices, so that traders sell to it rather
// than buy, which is how real dealers keep their positions small.
//
// Quotes are fixed a step ahead. A trader reads a maker's quotes from its snapshot of the maker's
// view, taken when a step starts (phantom/view.hpp), builds its observation at the end of that step
// from the snapshot, and the order it then chooses is filled in the following step. So the quotes
// a maker shows during step t are the ones it fills at in step t+1: at the end of each step it
// moves to the quotes it has been showing, and announces new ones (from the fundamental and its
// inventory after the step's fills) for its view to show during the next step. market_env.hpp
// lays out the whole step.
#pragma once

#include <string>

#include "market_config.hpp"
#include "messages.hpp"
#include "phantom/agent.hpp"
#include "phantom/view.hpp"

namespace market {

class MarketMaker : public phantom::Agent, public phantom::WithView<QuoteView> {
 public:
  /// A maker serving `traders_per_maker` traders (the skew's scale; see MarketConfig).
  MarketMaker(std::string id, const MarketConfig& config, double traders_per_maker);

  /// Every neighbour sees the announced quotes.
  QuoteView view(const phantom::Agent& observer) const override;
  /// Clears the step's trade count.
  void pre_message_resolution(phantom::Context& ctx) override;
  /// Fills at the announced quotes from the next step on, and announces new ones from the new
  /// fundamental (ctx.env_view<MarketView>()) and the inventory after this step's fills.
  void post_message_resolution(phantom::Context& ctx) override;
  /// No inventory, no cash; both quotes around the mean price.
  void reset(nn::Rng& rng) override;

  /// The quotes orders are filled at in this step.
  const QuoteView& quote() const { return quote_; }
  /// The quotes announced last: the view shows them during the next step, and the maker fills
  /// at them in the step after it.
  const QuoteView& announced() const { return announced_; }

  /// Units held: minus what the traders bought from this maker, plus what they sold to it.
  int inventory = 0;
  /// Cash received from buyers minus cash paid to sellers, since the episode started.
  double cash = 0.0;
  /// Orders filled in the current step.
  int trades = 0;

 private:
  QuoteView quote_around(double fundamental) const;

  float mean_price_, half_spread_;
  double skew_per_unit_;  // skew / traders per maker: the mid's shift per unit of inventory
  QuoteView quote_{}, announced_{};
};

}  // namespace market
