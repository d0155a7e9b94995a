// A steady-state PPO iteration (collection, advantages, minibatch updates) allocates nothing:
// rollout buffers, minibatch tensors and the tape arena are reused.
#include <gtest/gtest.h>

#include "support/counting_allocator.hpp"
#include "support/sign_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

// Exposes training_step() so the test can time one iteration without the CSV and progress.
class SteppablePpo : public phantom::PpoTrainer {
 public:
  using PpoTrainer::PpoTrainer;
  void setup_only(const phantom::TrainOptions& options) {
    probe_ = test_support::make_sign_env({});
    resolved_ =
        options.policies.resolve(*probe_, kind(), options.policies_to_train, options.registry);
    policies_ = phantom::create_registered_policies(resolved_, options.registry);
    phantom::EnvFactory factory = test_support::make_sign_env;
    phantom::EnvConfig config;
    factory_ = factory;
    Setup s{&factory_, &config_, &options, &resolved_, &policies_};
    setup(s);
  }
  void iterate(int iteration, phantom::IterationStats& stats) { training_step(iteration, stats); }

 private:
  std::unique_ptr<phantom::PhantomEnv> probe_;
  phantom::ResolvedPolicies resolved_;
  std::vector<std::shared_ptr<phantom::Policy>> policies_;
  phantom::EnvFactory factory_;
  phantom::EnvConfig config_;
};

TEST(AllocPpo, SteadyStateIterationAllocatesNothing) {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 40;  // episodes of 16 steps end and restart inside the iteration
  o.minibatches = 3;     // uneven minibatch sizes
  o.network.hidden = {16, 16};
  o.normalize_observations = true;
  SteppablePpo trainer(o);
  phantom::TrainOptions t;
  t.iterations = 10;
  t.policies.add("guesser", phantom::agents_of_type<test_support::SignGuesser>());
  t.policies_to_train = {"guesser"};
  trainer.setup_only(t);
  phantom::IterationStats stats;
  auto iteration = [&](int i) {
    stats.reset(2, 0);
    trainer.iterate(i, stats);
  };
  iteration(0);  // buffers grow here
  iteration(1);
  long n = alloc_counter::allocations_during([&] {
    for (int i = 2; i < 6; ++i) iteration(i);
  });
  EXPECT_EQ(n, 0);
  EXPECT_GT(stats.env_steps, 0);
}

}  // namespace
