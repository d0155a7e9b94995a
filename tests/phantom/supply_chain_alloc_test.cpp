// A steady-state supply-chain episode allocates nothing: messages, contexts and result buffers
// are reused from the first episode on.
#include <gtest/gtest.h>

#include "supply_chain.hpp"
#include "support/counting_allocator.hpp"

namespace {

TEST(AllocSupplyChain, SteadyStateEpisodeAllocatesNothing) {
  auto env = supply_chain::make_env();
  phantom::Actions actions = env->make_actions();
  auto episode = [&](uint64_t seed) {
    env->reset(seed);
    while (!env->done()) {
      actions.set(0)[0] = 12.0f;
      env->step(actions);
    }
  };
  episode(1);  // buffers grow here
  long n = alloc_counter::allocations_during([&] {
    for (uint64_t seed = 2; seed < 6; ++seed) episode(seed);
  });
  EXPECT_EQ(n, 0);
}

}  // namespace
