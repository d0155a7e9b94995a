// Supply-chain agents and env.
#include "supply_chain.hpp"

#include <algorithm>
#include <cmath>

#include "nn/error.hpp"

namespace supply_chain {

using phantom::Context;
using phantom::Message;

int round_half_even(float x) {
  return static_cast<int>(std::nearbyint(x));
}

// Policies are not trusted to stay inside the action space: a diverged network gives NaN or
// inf, a buggy one any number. Converting such a float to int is undefined behaviour, so every
// action is brought into [low, high] as a float first. NaN has no sensible order size and means
// the policy is broken, so it is an error rather than a silent 0.
float order_action(const std::string& agent_id, float value, float low, float high) {
  if (std::isnan(value)) {
    throw phantom::ValueError("supply chain: agent '" + agent_id +
                              "' chose a NaN action; expected a number (values outside [" +
                              std::to_string(static_cast<int>(low)) + ", " +
                              std::to_string(static_cast<int>(high)) + "] are clamped)");
  }
  return std::min(std::max(value, low), high);
}

ShopAgent::ShopAgent(std::string id, std::string warehouse_id)
    : ShopAgent(std::move(id), std::move(warehouse_id), phantom::box(0.0f, 1.0f, {3}),
                phantom::box(0.0f, static_cast<float>(kShopMaxStock), {1})) {}

ShopAgent::ShopAgent(std::string id, std::string warehouse_id, phantom::SpacePtr observation_space,
                     phantom::SpacePtr action_space)
    : StrategicAgent(std::move(id), std::move(observation_space), std::move(action_space)),
      warehouse_id_(std::move(warehouse_id)) {
  set_resolution_hooks(phantom::ResolutionHooks::pre);  // clears the step's sales
  // Orders are served from the stock held before this step's delivery arrives.
  on<OrderRequest>([this](Context& ctx, const Message<OrderRequest>& m) {
    int sold = m.payload.size;
    if (sold > stock) {
      missed_sales += sold - stock;
      sold = stock;
    }
    stock -= sold;
    sales += sold;
    ctx.send(m.sender, OrderResponse{sold});
  });
  on<StockResponse>([this](Context&, const Message<StockResponse>& m) {
    delivered_stock = m.payload.size;
    stock = std::min(stock + m.payload.size, kShopMaxStock);
  });
}

void ShopAgent::pre_message_resolution(Context&) {
  sales = missed_sales = 0;
}

bool ShopAgent::encode_observation(Context&, float* out) {
  out[0] = static_cast<float>(stock) / static_cast<float>(kShopMaxStock);
  out[1] = static_cast<float>(sales) / 25.0f;
  out[2] = static_cast<float>(missed_sales) / 25.0f;
  return true;
}

void ShopAgent::decode_action(Context& ctx, const float* action) {
  request_stock(
      ctx, round_half_even(order_action(id(), action[0], 0.0f, static_cast<float>(kShopMaxStock))));
}

void ShopAgent::request_stock(Context& ctx, int units) {
  // Never more than fits in the shop, and never negative (Python could request negative stock).
  int size = std::max(0, std::min(units, kShopMaxStock - stock));
  if (warehouse_ < 0) warehouse_ = ctx.network().index_of(warehouse_id_);
  ctx.send(warehouse_, StockRequest{size});
}

double ShopAgent::compute_reward(Context&) {
  return sales - 0.1 * stock;
}

void ShopAgent::reset(nn::Rng& rng) {
  StrategicAgent::reset(rng);
  stock = sales = missed_sales = delivered_stock = 0;
}

WarehouseAgent::WarehouseAgent(std::string id) : Agent(std::move(id)) {
  set_resolution_hooks(phantom::ResolutionHooks::none);
  on<StockRequest>([](Context& ctx, const Message<StockRequest>& m) {
    ctx.send(m.sender, StockResponse{m.payload.size});
  });
}

CustomerAgent::CustomerAgent(std::string id, std::string shop_id)
    : Agent(std::move(id)), shop_id_(std::move(shop_id)) {
  // No resolution hooks: with thousands of customers, the env's passes for them are a large
  // share of a step.
  set_resolution_hooks(phantom::ResolutionHooks::none);
  on<OrderResponse>(
      [this](Context&, const Message<OrderResponse>& m) { received += m.payload.size; });
}

void CustomerAgent::generate_messages(Context& ctx) {
  auto size = static_cast<int>(ctx.rng().uniform_int(0, max_order_size));
  if (shop_ < 0) shop_ = ctx.network().index_of(shop_id_);
  ctx.send(shop_, OrderRequest{size});
}

std::unique_ptr<phantom::PhantomEnv> make_env(int num_customers) {
  return make_env_with_shop(std::make_shared<ShopAgent>("SHOP", "WAREHOUSE"), num_customers);
}

std::unique_ptr<phantom::PhantomEnv> make_env_with_shop(std::shared_ptr<ShopAgent> shop,
                                                        int num_customers) {
  // The customers send their orders to "SHOP".
  if (!shop || shop->id() != "SHOP") {
    throw phantom::ConfigError("supply_chain::make_env_with_shop: the shop must have the id SHOP");
  }
  if (num_customers < 0) {
    throw phantom::ConfigError("supply_chain::make_env: num_customers must be >= 0, got " +
                               std::to_string(num_customers));
  }
  auto net = std::make_unique<phantom::Network>();
  net->add_agent(std::move(shop));
  net->emplace<WarehouseAgent>("WAREHOUSE");
  net->add_connection("SHOP", "WAREHOUSE");
  for (int i = 1; i <= num_customers; ++i) {
    std::string id = "CUST" + std::to_string(i);
    net->emplace<CustomerAgent>(id, "SHOP");
    net->add_connection("SHOP", id);
  }
  return std::make_unique<phantom::PhantomEnv>(std::move(net), kNumEpisodeSteps);
}

}  // namespace supply_chain
