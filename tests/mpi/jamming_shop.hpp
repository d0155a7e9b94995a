// The supply-chain shop with a till that jams: an env that throws on a chosen rank, for the
// failure tests of training over ranks (train_ranks_test.cpp, train_failure.cpp).
#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "nn/error.hpp"
#include "phantom/env_config.hpp"
#include "supply_chain.hpp"

namespace mpi_test {

/// A shop whose till jams (a phantom::ValueError, "the shop's till jammed") at the `fail_at`-th
/// step this process runs, counted in `steps` over every env that shares it; never when
/// fail_at <= 0.
class JammingShop : public supply_chain::ShopAgent {
 public:
  JammingShop(std::shared_ptr<std::atomic<int>> steps, int fail_at)
      : ShopAgent("SHOP", "WAREHOUSE"), steps_(std::move(steps)), fail_at_(fail_at) {}
  void decode_action(phantom::Context& ctx, const float* action) override {
    if (fail_at_ > 0 && ++*steps_ == fail_at_) throw phantom::ValueError("the shop's till jammed");
    ShopAgent::decode_action(ctx, action);
  }

 private:
  std::shared_ptr<std::atomic<int>> steps_;
  int fail_at_;
};

/// The supply chain's env factory with a JammingShop in every env, all sharing one counter.
inline phantom::EnvFactory jamming_env(int fail_at) {
  auto steps = std::make_shared<std::atomic<int>>(0);
  return [steps, fail_at](const phantom::EnvConfig&) {
    return supply_chain::make_env_with_shop(std::make_shared<JammingShop>(steps, fail_at));
  };
}

}  // namespace mpi_test
