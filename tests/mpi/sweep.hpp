// The sweeps the MPI tests run: the supply-chain shop ordering at random (rollouts with
// metrics, every step recorded) and the rollout tests' dealer env with a policy that throws at
// a chosen grid point (failures on a chosen rank).
#pragma once

#include <memory>
#include <string>

#include "analysis/rollout_runner.hpp"
#include "analysis/rollout_test_env.hpp"
#include "examples/supply_chain/fixed_policies.hpp"
#include "examples/supply_chain/supply_chain.hpp"
#include "nn/error.hpp"
#include "phantom/range.hpp"

namespace mpi_test {

/// The supply chain, `repeats` episodes of it (one grid point), with two metrics of the shop: its
/// mean stock, and its sales at every step (a `none` reduction: a list per rollout). Every step
/// is recorded unless record_steps is false.
inline phantom::RolloutRunner supply_chain_runner(int repeats, int workers, int batch,
                                                  bool record_steps = true) {
  phantom::RolloutPolicies p;
  p.mapping.add("shop", phantom::agent_ids({"SHOP"}));
  p.policies["shop"] = std::make_shared<supply_chain::RandomOrder>(
      phantom::box(0, 1, {3}), phantom::box(0, 100, {1}), 10.0f);
  phantom::RolloutOptions o;
  o.num_repeats = repeats;
  o.workers = workers;
  o.batch_size = batch;
  o.seed = 42;
  o.show_progress = false;
  o.record_steps = record_steps;
  o.metrics.emplace_back("stock", phantom::agent_metric<supply_chain::ShopAgent>(
                                      "SHOP", &supply_chain::ShopAgent::stock,
                                      phantom::Reduce::mean, phantom::Reduce::mean));
  o.metrics.emplace_back("sales", phantom::agent_metric<supply_chain::ShopAgent>(
                                      "SHOP", &supply_chain::ShopAgent::sales,
                                      phantom::Reduce::mean, phantom::Reduce::none));
  return phantom::RolloutRunner([](const phantom::EnvConfig&) { return supply_chain::make_env(); },
                                {}, p, o);
}

/// The dealer's policy of the rollout tests, throwing when it observes a == fail_at.
class FailsAt : public rollout_test::NoisyPolicy {
 public:
  FailsAt(float fail_at)
      : NoisyPolicy(phantom::box(-1e6f, 1e6f, {4}), phantom::box(-10, 10, {1})),
        fail_at_(fail_at) {}
  void compute_action(const float* obs, float* action, nn::Rng& rng) override {
    if (obs[2] == fail_at_) {
      throw phantom::ValueError("the dealer has no price for a = " + std::to_string(obs[2]));
    }
    NoisyPolicy::compute_action(obs, action, rng);
  }
  std::shared_ptr<phantom::Policy> clone() const override {
    return std::make_shared<FailsAt>(*this);
  }

 private:
  float fail_at_;
};

/// The dealer env over a = 0, 1, ..., points - 1, one episode each: rollout i sees a = i, so the
/// policy fails at rollout `fail_at` (-1: never).
inline phantom::RolloutRunner dealer_runner(int points, int fail_at) {
  phantom::RolloutPolicies p;
  p.mapping.add("dealer", phantom::agent_ids({"D1"}));
  p.policies["dealer"] = std::make_shared<FailsAt>(static_cast<float>(fail_at));
  phantom::RolloutOptions o;
  o.show_progress = false;
  phantom::EnvConfig config{
      {"a", phantom::linspace_range(0, static_cast<float>(points - 1), points, "a")}, {"steps", 3}};
  return phantom::RolloutRunner(
      [](const phantom::EnvConfig& c) { return rollout_test::make_dealer_env(c); }, config, p, o);
}

}  // namespace mpi_test
