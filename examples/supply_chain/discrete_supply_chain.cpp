// The discretised shop: bucketed stock in, order size choices out.
#include "discrete_supply_chain.hpp"

#include <algorithm>

namespace supply_chain {

DiscreteShopAgent::DiscreteShopAgent(std::string id, std::string warehouse_id)
    : ShopAgent(std::move(id), std::move(warehouse_id), phantom::discrete(kNumStockBuckets),
                phantom::discrete(kNumOrderSizes)) {}

bool DiscreteShopAgent::encode_observation(phantom::Context&, float* out) {
  // A full shop (100 units) shares the top bucket, so the buckets stay equally wide.
  out[0] = static_cast<float>(std::min(stock / kStockBucketSize, kNumStockBuckets - 1));
  return true;
}

void DiscreteShopAgent::decode_action(phantom::Context& ctx, const float* action) {
  // The index is clamped into the action space as a float before it becomes an int.
  const float choice = order_action(id(), action[0], 0.0f, static_cast<float>(kNumOrderSizes - 1));
  request_stock(ctx, static_cast<int>(choice) * kOrderStep);
}

std::unique_ptr<phantom::PhantomEnv> make_discrete_env() {
  return make_env_with_shop(std::make_shared<DiscreteShopAgent>("SHOP", "WAREHOUSE"));
}

}  // namespace supply_chain
