// A discretised supply chain for tabular learners (Q-learning) and their benchmark.
//
// The same env as supply_chain.hpp, with a shop that sees only its stock level, bucketed, and
// picks an order size from a few choices:
//
//   observation  Discrete(20): min(stock / 5, 19), so stock 0-4 -> 0, ..., 95-100 -> 19
//   action       Discrete(6):  order 5 * a units (0, 5, ..., 25), clamped as in the base shop;
//                an index outside 0..5 is clamped into it first (fractions are cut), a NaN is a
//                ValueError naming the agent (see order_action)
//
// Customers order 10 units per step on average (5 customers, 0-4 each), so a good shop keeps a
// small buffer: too little stock misses sales, too much pays 0.1 per unit held per step.
#pragma once

#include <memory>
#include <string>

#include "supply_chain.hpp"

namespace supply_chain {

constexpr int kStockBucketSize = 5;
constexpr int kNumStockBuckets = kShopMaxStock / kStockBucketSize;
constexpr int kOrderStep = 5;
constexpr int kNumOrderSizes = 6;

class DiscreteShopAgent : public ShopAgent {
 public:
  DiscreteShopAgent(std::string id, std::string warehouse_id);

  bool encode_observation(phantom::Context& ctx, float* out) override;
  void decode_action(phantom::Context& ctx, const float* action) override;
};

/// The supply-chain env (SHOP, WAREHOUSE, CUST1..CUST5, 100 steps) with a DiscreteShopAgent.
std::unique_ptr<phantom::PhantomEnv> make_discrete_env();

}  // namespace supply_chain
