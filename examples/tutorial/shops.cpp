// The tutorial's agents, env and fixed rule (see shops.hpp and docs/TUTORIAL.md).
#include "shops.hpp"

#include <algorithm>
#include <cmath>

namespace tutorial {

using phantom::Context;
using phantom::Message;

ShopAgent::ShopAgent(std::string id, std::shared_ptr<ShopType> type)
    : StrategicAgent(std::move(id), phantom::box(0.0f, 1.0f, {3}),
                     phantom::discrete(kOrderChoices)) {
  set_supertype(std::move(type));
  // Customers are served from the stock on the shelves; what is missing is a missed sale.
  on<OrderRequest>([this](Context& ctx, const Message<OrderRequest>& m) {
    const int sold = std::min(m.payload.units, stock);
    stock -= sold;
    sales += sold;
    missed_sales += m.payload.units - sold;
    ctx.send(m.sender, OrderResponse{sold});
  });
  // The delivery arrives after the customers' orders, in the next resolver round.
  on<StockResponse>([this](Context&, const Message<StockResponse>& m) {
    stock = std::min(stock + m.payload.units, kMaxStock);
  });
}

void ShopAgent::pre_message_resolution(Context&) {
  sales = missed_sales = 0;
}

bool ShopAgent::encode_observation(Context&, float* out) {
  out[0] = static_cast<float>(stock) / kMaxStock;
  out[1] = static_cast<float>(sales) / (kMaxCustomerOrder * kNumCustomers);
  out[2] = type<ShopType>().holding_cost.value();
  return true;
}

void ShopAgent::decode_action(Context& ctx, const float* action) {
  // The env has checked that the action is in Discrete(kOrderChoices): an exact 0..10.
  const int units = std::min(static_cast<int>(action[0]), kMaxStock - stock);
  ctx.send("WAREHOUSE", StockRequest{units});
}

double ShopAgent::compute_reward(Context&) {
  return sales - type<ShopType>().holding_cost.value() * stock;
}

void ShopAgent::reset(nn::Rng& rng) {
  StrategicAgent::reset(rng);  // samples the supertype: this episode's holding cost
  stock = sales = missed_sales = 0;
}

WarehouseAgent::WarehouseAgent(std::string id) : Agent(std::move(id)) {
  on<StockRequest>([](Context& ctx, const Message<StockRequest>& m) {
    ctx.send(m.sender, StockResponse{m.payload.units});
  });
}

CustomerAgent::CustomerAgent(std::string id, std::vector<std::string> shops)
    : Agent(std::move(id)), shops_(std::move(shops)) {
  on<OrderResponse>([](Context&, const Message<OrderResponse>&) {});
}

void CustomerAgent::generate_messages(Context& ctx) {
  // Every draw comes from the env's generator, so an episode is fixed by its seed.
  const auto shop = static_cast<std::size_t>(ctx.rng().uniform_int(shops_.size()));
  const auto units = static_cast<int>(ctx.rng().uniform_int(kMaxCustomerOrder + 1));
  ctx.send(shops_[shop], OrderRequest{units});
}

std::unique_ptr<phantom::PhantomEnv> make_env(const phantom::EnvConfig& config) {
  const int64_t num_shops = config.integer("shops", 1);
  if (num_shops < 1) throw phantom::ConfigError("tutorial env: shops must be at least 1");
  auto network = std::make_unique<phantom::Network>();
  network->emplace<WarehouseAgent>("WAREHOUSE");
  std::vector<std::string> shops;
  for (int64_t s = 1; s <= num_shops; ++s) {
    auto type = std::make_shared<ShopType>();
    // A number (a rollout's grid point), or a sampler of this shop's own.
    if (config.has("holding_cost")) {
      type->holding_cost = config.source("holding_cost");
    } else {
      type->holding_cost = phantom::uniform(0.0f, 0.5f);
    }
    shops.push_back("SHOP" + std::to_string(s));
    network->add_agent(std::make_shared<ShopAgent>(shops.back(), type));
    network->add_connection(shops.back(), "WAREHOUSE");
  }
  for (int c = 1; c <= kNumCustomers; ++c) {
    const std::string id = "CUST" + std::to_string(c);
    network->emplace<CustomerAgent>(id, shops);
    for (const std::string& shop : shops) network->add_connection(id, shop);
  }
  return std::make_unique<phantom::PhantomEnv>(std::move(network), kEpisodeSteps);
}

OrderUpTo::OrderUpTo(phantom::SpacePtr observation_space, phantom::SpacePtr action_space, int level)
    : Policy(std::move(observation_space), std::move(action_space)), level_(level) {}

void OrderUpTo::compute_action(const float* observation, float* action, nn::Rng&) {
  const auto stock = static_cast<int>(std::lround(observation[0] * kMaxStock));
  action[0] = static_cast<float>(std::clamp(level_ - stock, 0, kOrderChoices - 1));
}

std::shared_ptr<phantom::Policy> OrderUpTo::clone() const {
  return std::make_shared<OrderUpTo>(*this);
}

}  // namespace tutorial
