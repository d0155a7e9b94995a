// The world of the tutorial (docs/TUTORIAL.md): shops buy stock from a warehouse and sell it to
// customers. Each step every shop decides how many units to order; the customers' orders are
// served from the stock the shop already holds, and the delivery arrives after them. A shop earns
// 1 per unit sold and pays its holding cost for every unit left on its shelves.
//
// Everything a Phantom model is made of appears once: message payloads, plain agents that only
// react (the warehouse) or only send (the customers), a strategic agent that observes, acts and
// is rewarded (the shop), a supertype (the shop's per-episode parameters), the network that says
// who may talk to whom, and the env built from a config.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "phantom/phantom.hpp"

namespace tutorial {

constexpr int kEpisodeSteps = 50;
constexpr int kNumCustomers = 5;
constexpr int kMaxCustomerOrder = 3;  // a customer orders 0-3 units a step
constexpr int kMaxStock = 40;         // a shop holds at most this many units
constexpr int kOrderChoices = 11;     // a shop orders 0-10 units a step

class ShopAgent;
class WarehouseAgent;
class CustomerAgent;

// ---- Messages --------------------------------------------------------------------------------
// A payload is a small struct, copied into the network's queue. Senders / Receivers say who may
// send it to whom; the network refuses any other send.

/// A customer asks a shop for `units`.
struct OrderRequest {
  int units;
  using Senders = phantom::Only<CustomerAgent>;
  using Receivers = phantom::Only<ShopAgent>;
};
/// The shop's answer: the units it could sell.
struct OrderResponse {
  int units;
  using Senders = phantom::Only<ShopAgent>;
  using Receivers = phantom::Only<CustomerAgent>;
};
/// A shop restocks from the warehouse...
struct StockRequest {
  int units;
  using Senders = phantom::Only<ShopAgent>;
  using Receivers = phantom::Only<WarehouseAgent>;
};
/// ... which delivers everything asked for.
struct StockResponse {
  int units;
  using Senders = phantom::Only<WarehouseAgent>;
  using Receivers = phantom::Only<ShopAgent>;
};

// ---- Agents ----------------------------------------------------------------------------------

/// A shop's parameters, which may change from episode to episode: a fixed value, a sampler
/// (drawn at every reset) or, in rollouts, a Range (an axis of a grid).
struct ShopType : phantom::Supertype {
  phantom::Field holding_cost{this, "holding_cost", 0.1f};
};

/// Observes [stock / kMaxStock, last step's sales / kMaxCustomerOrder / kNumCustomers, holding
/// cost]; orders 0 .. kOrderChoices - 1 units (a Discrete action); earns its sales minus its
/// holding cost times its stock.
class ShopAgent : public phantom::StrategicAgent {
 public:
  ShopAgent(std::string id, std::shared_ptr<ShopType> type);

  void pre_message_resolution(phantom::Context& ctx) override;
  bool encode_observation(phantom::Context& ctx, float* out) override;
  void decode_action(phantom::Context& ctx, const float* action) override;
  double compute_reward(phantom::Context& ctx) override;
  void reset(nn::Rng& rng) override;

  int stock = 0;
  int sales = 0;         // this step
  int missed_sales = 0;  // this step: ordered but out of stock
};

/// Delivers every StockRequest in full.
class WarehouseAgent : public phantom::Agent {
 public:
  explicit WarehouseAgent(std::string id);
};

/// Every step, orders 0 .. kMaxCustomerOrder units from one of its shops, chosen at random.
class CustomerAgent : public phantom::Agent {
 public:
  CustomerAgent(std::string id, std::vector<std::string> shops);
  void generate_messages(phantom::Context& ctx) override;

 private:
  std::vector<std::string> shops_;
};

// ---- The env ---------------------------------------------------------------------------------

/// Builds the env from its config:
///   shops         the number of shops, SHOP1, SHOP2, ... (default 1);
///   holding_cost  every shop's holding cost per unit and step. Left out, each shop draws its
///                 own from uniform(0, 0.5) at every reset, so that a policy trained on these
///                 envs meets every cost.
/// The network: the WAREHOUSE and CUST1..CUST5 are connected to every shop.
std::unique_ptr<phantom::PhantomEnv> make_env(const phantom::EnvConfig& config);

/// The rule an inventory manager would try first: order what brings the stock back to `level`.
class OrderUpTo : public phantom::Policy {
 public:
  OrderUpTo(phantom::SpacePtr observation_space, phantom::SpacePtr action_space, int level);
  void compute_action(const float* observation, float* action, nn::Rng& rng) override;
  std::shared_ptr<phantom::Policy> clone() const override;

 private:
  int level_;
};

}  // namespace tutorial
