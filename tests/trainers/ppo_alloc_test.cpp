// A steady-state PPO iteration (collection, advantages, minibatch updates) allocates nothing:
// rollout buffers, minibatch tensors and the tape arena are reused.
#include <gtest/gtest.h>

#include "support/counting_allocator.hpp"
#include "support/sign_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "workloads/stepped_trainer.hpp"

namespace {

TEST(AllocPpo, SteadyStateIterationAllocatesNothing) {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 40;  // episodes of 16 steps end and restart inside the iteration
  o.minibatches = 3;     // uneven minibatch sizes
  o.network.hidden = {16, 16};
  o.normalize_observations = true;
  phantom::TrainOptions t;
  t.iterations = 10;
  t.policies.add("guesser", phantom::agents_of_type<test_support::SignGuesser>());
  t.policies_to_train = {"guesser"};
  workloads::SteppedTrainer<phantom::PpoTrainer> trainer(o, test_support::make_sign_env, t);
  phantom::IterationStats stats;
  trainer.iterate(stats);  // buffers grow here
  trainer.iterate(stats);
  long n = alloc_counter::allocations_during([&] {
    for (int i = 2; i < 6; ++i) trainer.iterate(stats);
  });
  EXPECT_EQ(n, 0);
  EXPECT_GT(stats.env_steps, 0);
}

}  // namespace
