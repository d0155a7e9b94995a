// Steady-state CartPole steps and resets allocate nothing, directly and through the single-agent
// adapter: PPO steps these envs hundreds of thousands of times a second.
#include <gtest/gtest.h>

#include "cartpole.hpp"
#include "phantom/single_agent_adapter.hpp"
#include "support/counting_allocator.hpp"

namespace {

TEST(AllocCartPole, SteadyStateEpisodesAllocateNothing) {
  cartpole::CartPoleEnv env;
  phantom::Actions actions = env.make_actions();
  auto episode = [&](uint64_t seed) {
    const phantom::StepResult* r = &env.reset(seed);
    while (!r->done()) {
      actions.set(0)[0] = r->observation(0)[2] + r->observation(0)[3] > 0.0f ? 1.0f : 0.0f;
      r = &env.step(actions);
    }
  };
  episode(1);  // buffers grow here
  long n = alloc_counter::allocations_during([&] {
    for (uint64_t seed = 2; seed < 12; ++seed) episode(seed);
  });
  EXPECT_EQ(n, 0);
}

TEST(AllocCartPole, AdapterStepsAllocateNothing) {
  phantom::SingleAgentEnvAdapter adapter(cartpole::make_cartpole_env(), cartpole::kAgentId, {});
  auto episode = [&](uint64_t seed) {
    auto t = adapter.reset(seed);
    int i = 0;
    while (!t.terminated && !t.truncated) {
      float action = static_cast<float>(++i % 2);
      t = adapter.step(&action);
    }
  };
  episode(1);
  long n = alloc_counter::allocations_during([&] {
    for (uint64_t seed = 2; seed < 12; ++seed) episode(seed);
  });
  EXPECT_EQ(n, 0);
}

}  // namespace
