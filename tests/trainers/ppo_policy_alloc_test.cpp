// PpoPolicy::compute_actions allocates nothing in steady state: its feature, action and network
// buffers grow to the largest batch seen and are then reused (for that batch and smaller ones).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "support/counting_allocator.hpp"
#include "trainers/ppo/ppo_policy.hpp"

namespace {

TEST(AllocPpoPolicy, SteadyStateComputeActionsAllocatesNothing) {
  for (bool shared_trunk : {false, true}) {
    nn::Rng init(1);
    phantom::ActorCriticConfig config;
    config.shared_trunk = shared_trunk;
    auto net = std::make_shared<phantom::ActorCritic>(phantom::box(-1, 1, {3}),
                                                      phantom::box(-2, 2, {1}), config, init);
    auto filter = std::make_shared<phantom::MeanStdFilter>(3);
    phantom::PpoPolicy policy(net, filter);
    std::shared_ptr<phantom::Policy> clone = policy.clone();
    const int64_t rows = 16;
    std::vector<float> obs(static_cast<std::size_t>(rows * 3), 0.25f), actions(rows);
    std::vector<nn::Rng> rngs(rows);
    policy.compute_actions(obs.data(), rows, actions.data(), rngs.data());  // buffers grow here
    clone->compute_actions(obs.data(), rows, actions.data(), rngs.data());
    long n = alloc_counter::allocations_during([&] {
      for (int i = 0; i < 10; ++i) {
        for (phantom::Policy* p : {static_cast<phantom::Policy*>(&policy), clone.get()}) {
          p->set_explore(i % 2 == 0);
          p->compute_actions(obs.data(), rows, actions.data(), rngs.data());
          p->compute_actions(obs.data(), 5, actions.data(), rngs.data());  // a smaller batch
          p->compute_action(obs.data(), actions.data(), rngs[0]);
        }
      }
    });
    EXPECT_EQ(n, 0) << (shared_trunk ? "shared trunk" : "separate towers");
  }
}

}  // namespace
