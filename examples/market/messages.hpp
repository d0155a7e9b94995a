// What traders and market makers tell each other: an order, its fill, and the quotes a maker
// shows its neighbours.
//
// Orders and fills are messages: a trader sends an Order to one maker, the maker answers with a
// Fill in the next resolver round. The quotes are a view (phantom/view.hpp), not messages: a maker
// serving thousands of traders would otherwise send each of them a message every step whether it
// trades or not, while a view is copied into each trader's context when the step starts.
#pragma once

#include "phantom/message.hpp"

namespace market {

class Trader;
class MarketMaker;

/// Buy (+1) or sell (-1) one unit at the receiving maker's current quote.
struct Order {
  int side;
  using Senders = phantom::Only<Trader>;
  using Receivers = phantom::Only<MarketMaker>;
  template <class W>
  void describe(W& w) const {
    w("side", side);
  }
};

/// The maker's answer: the units the trader gained (+1 bought, -1 sold) and the unit price.
struct Fill {
  int quantity;
  float price;
  using Senders = phantom::Only<MarketMaker>;
  using Receivers = phantom::Only<Trader>;
  template <class W>
  void describe(W& w) const {
    w("quantity", quantity);
    w("price", price);
  }
};

/// A maker's announced quotes: the prices at which it will fill orders in the next step.
struct QuoteView {
  float bid;  ///< what the maker pays for a unit a trader sells
  float ask;  ///< what a trader pays for a unit it buys
};

}  // namespace market
