// Q-learning on the discretised supply chain: the discrete shop's spaces, learning a policy that
// beats random ordering, and determinism in the seed.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "discrete_supply_chain.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

using phantom::QLearningOptions;
using phantom::QLearningTrainer;
using phantom::QTablePolicy;
using supply_chain::DiscreteShopAgent;

phantom::EnvFactory discrete_factory() {
  return [](const phantom::EnvConfig&) { return supply_chain::make_discrete_env(); };
}

TEST(DiscreteSupplyChain, ObservesStockBucketsAndOrdersInStepsOfFive) {
  auto env = supply_chain::make_discrete_env();
  auto& shop = dynamic_cast<DiscreteShopAgent&>((*env)["SHOP"]);
  EXPECT_EQ(*shop.observation_space(), *phantom::discrete(20));
  EXPECT_EQ(*shop.action_space(), *phantom::discrete(6));
  phantom::Actions actions = env->make_actions();
  env->reset(3);
  for (int step = 0; step < 30; ++step) {
    int before = shop.stock;
    actions.set(0)[0] = static_cast<float>(step % 6);
    const phantom::StepResult& r = env->step(actions);
    EXPECT_EQ(shop.delivered_stock, std::min(5 * (step % 6), 100 - before));
    EXPECT_EQ(r.observation(0)[0], static_cast<float>(std::min(shop.stock / 5, 19)));
    EXPECT_DOUBLE_EQ(r.reward(0), shop.sales - 0.1 * shop.stock);
  }
}

// Mean episode return of a shop acting by `act` on 20 fixed episodes.
double mean_return(const std::function<float(const float*)>& act) {
  auto env = supply_chain::make_discrete_env();
  phantom::Actions actions = env->make_actions();
  double total = 0.0;
  for (uint64_t e = 0; e < 20; ++e) {
    const phantom::StepResult* r = &env->reset(1000 + e);
    while (!env->done()) {
      actions.set(0)[0] = act(r->observation(0));
      r = &env->step(actions);
      total += r->reward(0);
    }
  }
  return total / 20.0;
}

phantom::TrainOptions shop_run(int iterations, uint64_t seed) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = seed;
  run.show_progress = false;
  run.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
  run.policies_to_train = {"shop"};
  return run;
}

TEST(QLearningSupplyChain, LearnsToBeatARandomShop) {
  QLearningOptions q;
  q.alpha = 0.1;
  q.gamma = 0.9;
  q.epsilon = 1.0;
  q.epsilon_final = 0.05;
  q.epsilon_decay_iterations = 100;
  QLearningTrainer trainer(q);
  auto results = trainer.train(discrete_factory(), {}, shop_run(150, 1));
  auto& policy = dynamic_cast<QTablePolicy&>(*results.policies.at("shop"));

  nn::Rng rng(5);
  double learned = mean_return([&](const float* obs) {
    float a;
    policy.compute_action(obs, &a, rng);
    return a;
  });
  double random = mean_return([&](const float*) {
    return static_cast<float>(rng.uniform_int(supply_chain::kNumOrderSizes));
  });
  // Random orders (12.5 units a step on average for 10 sold) fill the shop and pay for holding
  // it; a learnt shop keeps a small buffer.
  RecordProperty("learned", std::to_string(learned));
  RecordProperty("random", std::to_string(random));
  EXPECT_GT(learned, random + 300.0) << "learned " << learned << ", random " << random;
}

TEST(QLearningSupplyChain, TheSeedDeterminesTheTable) {
  auto table = [](uint64_t seed) {
    QLearningTrainer trainer;
    auto r = trainer.train(discrete_factory(), {}, shop_run(3, seed));
    return dynamic_cast<QTablePolicy&>(*r.policies.at("shop")).table();
  };
  std::vector<double> a = table(1), b = table(1), c = table(2);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  EXPECT_NE(a, c);
}

}  // namespace
