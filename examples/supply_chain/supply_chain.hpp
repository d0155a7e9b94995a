// The supply-chain example of Python Phantom, as a library of agents.
//
// A shop buys stock from a warehouse and sells it to five customers. Each step the shop (the only
// strategic agent) chooses how much stock to request; each customer orders 0-4 units. Orders are
// served from the stock held before the delivery arrives (the warehouse's reply comes one
// resolver round later). Reward: sales - 0.1 * stock.
#pragma once

#include <memory>
#include <string>

#include "phantom/env.hpp"

namespace supply_chain {

constexpr int kNumEpisodeSteps = 100;
constexpr int kNumCustomers = 5;
constexpr int kCustomerMaxOrderSize = 5;  // orders are 0 .. kCustomerMaxOrderSize - 1
constexpr int kShopMaxStock = 100;

class ShopAgent;
class WarehouseAgent;
class CustomerAgent;

// Each payload describes its field for telemetry (phantom/payload_fields.hpp).
struct OrderRequest {
  int size;
  using Senders = phantom::Only<CustomerAgent>;
  using Receivers = phantom::Only<ShopAgent>;
  template <class W>
  void describe(W& w) const {
    w("size", size);
  }
};
struct OrderResponse {
  int size;
  using Senders = phantom::Only<ShopAgent>;
  using Receivers = phantom::Only<CustomerAgent>;
  template <class W>
  void describe(W& w) const {
    w("size", size);
  }
};
struct StockRequest {
  int size;
  using Senders = phantom::Only<ShopAgent>;
  using Receivers = phantom::Only<WarehouseAgent>;
  template <class W>
  void describe(W& w) const {
    w("size", size);
  }
};
struct StockResponse {
  int size;
  using Senders = phantom::Only<WarehouseAgent>;
  using Receivers = phantom::Only<ShopAgent>;
  template <class W>
  void describe(W& w) const {
    w("size", size);
  }
};

/// Observation: [stock / 100, sales / 25, missed_sales / 25]; action: units to order, in [0, 100]
/// (a value outside is clamped to it, a NaN is a ValueError; see order_action).
class ShopAgent : public phantom::StrategicAgent {
 public:
  ShopAgent(std::string id, std::string warehouse_id);

  void pre_message_resolution(phantom::Context& ctx) override;
  bool encode_observation(phantom::Context& ctx, float* out) override;
  void decode_action(phantom::Context& ctx, const float* action) override;
  double compute_reward(phantom::Context& ctx) override;
  /// Clears stock, sales and missed sales (Python clears only the stock, so the first observation
  /// of an episode showed the previous episode's sales).
  void reset(nn::Rng& rng) override;

  int stock = 0;
  int sales = 0;
  int missed_sales = 0;
  int delivered_stock = 0;

 protected:
  /// For variants that observe or act in other spaces (discrete_supply_chain.hpp).
  ShopAgent(std::string id, std::string warehouse_id, phantom::SpacePtr observation_space,
            phantom::SpacePtr action_space);
  /// Requests `units` from the warehouse, clamped to [0, kShopMaxStock - stock].
  void request_stock(phantom::Context& ctx, int units);

 private:
  std::string warehouse_id_;
  phantom::AgentIndex warehouse_ = -1;  // looked up once
};

/// Unlimited stock: answers every StockRequest in full. (Like the customers, it has no resolution
/// hooks and opts out of them; the shop has only the pre-resolution one.)
class WarehouseAgent : public phantom::Agent {
 public:
  explicit WarehouseAgent(std::string id);
};

/// Orders 0 .. max_order_size - 1 units (by default 0-4) uniformly at random every step.
class CustomerAgent : public phantom::Agent {
 public:
  CustomerAgent(std::string id, std::string shop_id);
  void generate_messages(phantom::Context& ctx) override;
  int received = 0;
  /// The demand: orders are drawn from 0 .. max_order_size - 1 (>= 1). A curriculum raises it.
  int max_order_size = kCustomerMaxOrderSize;

 private:
  // Before the id: what a step reads (received, max_order_size, shop_) sits together.
  phantom::AgentIndex shop_ = -1;  // looked up once: sending by index avoids hashing the id
  std::string shop_id_;
};

/// The env: SHOP, WAREHOUSE, CUST1..CUST<num_customers> (five by default), the shop connected
/// to everyone, 100 steps. Other customer counts are for scaling measurements
/// (bench/env_bench): the shop's stock cap and observation scales stay those of five customers.
/// A negative count is a ConfigError.
std::unique_ptr<phantom::PhantomEnv> make_env(int num_customers = kNumCustomers);
/// The same env around another shop (whose id must be "SHOP", its warehouse "WAREHOUSE").
std::unique_ptr<phantom::PhantomEnv> make_env_with_shop(std::shared_ptr<ShopAgent> shop,
                                                        int num_customers = kNumCustomers);

/// Python's round(): halves go to the even neighbour (2.5 -> 2, 3.5 -> 4). `x` must be finite
/// and within int's range (order_action makes it so).
int round_half_even(float x);

/// An action value made safe to convert to int: clamped into [low, high] (so +-inf and huge
/// values become the nearest bound). A NaN throws phantom::ValueError naming `agent_id`. Both
/// shops pass their action through it before rounding or truncating it.
float order_action(const std::string& agent_id, float value, float low, float high);

}  // namespace supply_chain
