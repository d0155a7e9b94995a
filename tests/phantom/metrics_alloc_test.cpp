// Recording metrics allocates nothing once the first episode has grown the buffers: values go
// into vectors whose capacity clear() keeps, and extraction only reads the agents.
#include <gtest/gtest.h>

#include "phantom/metrics.hpp"
#include "supply_chain.hpp"
#include "support/counting_allocator.hpp"

namespace {

using phantom::Reduce;
using supply_chain::CustomerAgent;
using supply_chain::ShopAgent;

TEST(MetricAlloc, RecordingASecondEpisodeAllocatesNothing) {
  auto env = supply_chain::make_env();
  phantom::MetricLogger logger;
  logger.add("stock", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::stock));
  logger.add("sales", phantom::agent_metric<ShopAgent>(
                          "SHOP", [](const ShopAgent& a) { return a.sales; }, Reduce::sum));
  logger.add("received", std::make_shared<phantom::AggregatedAgentMetric<CustomerAgent>>(
                             std::vector<std::string>{"CUST1", "CUST2", "CUST3", "CUST4", "CUST5"},
                             [](const CustomerAgent& c) { return c.received; }, Reduce::max));
  logger.add("step", std::make_shared<phantom::SimpleEnvMetric<phantom::PhantomEnv>>(
                         [](const phantom::PhantomEnv& e) {
                           return static_cast<double>(e.current_step());
                         }));
  logger.add("staged", std::make_shared<phantom::LambdaMetric>(
                           [](const phantom::PhantomEnv& e) { return e.current_step() * 0.5; },
                           [](const std::vector<double>& v) { return v.empty() ? 0.0 : v[0]; },
                           [](const std::vector<double>& v) { return v.empty() ? 0.0 : v[0]; },
                           std::vector<std::string>{"stage"}));
  phantom::Actions actions = env->make_actions();
  auto episode = [&](uint64_t seed) {
    logger.clear();
    env->reset(seed);
    while (!env->done()) {
      actions.set(0)[0] = 12.0f;
      env->step(actions);
      logger.record(*env);
    }
  };
  episode(1);  // buffers grow here
  long n = alloc_counter::allocations_during([&] {
    for (uint64_t seed = 2; seed < 6; ++seed) episode(seed);
  });
  EXPECT_EQ(n, 0);
  EXPECT_EQ(logger.values("stock").size(), 100u);
  EXPECT_EQ(logger.values("received").size(), 100u);
}

}  // namespace
