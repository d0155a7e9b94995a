// StochasticNetwork (Python Phantom's tests/network/test_stochastic_network.py) and its fixes.
#include <gtest/gtest.h>

#include "phantom/stochastic_network.hpp"

namespace {

using phantom::StochasticNetwork;

class Node : public phantom::Agent {
 public:
  using Agent::Agent;
};

std::unique_ptr<StochasticNetwork> two_agents() {
  auto net = std::make_unique<StochasticNetwork>();
  net->emplace<Node>("A");
  net->emplace<Node>("B");
  return net;
}

void expect_edge(StochasticNetwork& net, bool present) {
  EXPECT_EQ(net.has_edge("A", "B"), present);
  EXPECT_EQ(net.has_edge("B", "A"), present);
  nn::Rng rng(3);
  net.resample_connectivity(rng);
  EXPECT_EQ(net.has_edge("A", "B"), present);
  EXPECT_EQ(net.has_edge("B", "A"), present);
}

TEST(StochasticNetwork, RateOneAlwaysConnects) {
  auto net = two_agents();
  net->add_connection("A", "B", 1.0);
  expect_edge(*net, true);
}

TEST(StochasticNetwork, RateZeroNeverConnects) {
  auto net = two_agents();
  net->add_connection("A", "B", 0.0);
  expect_edge(*net, false);
}

TEST(StochasticNetwork, ConnectionsBetweenWithRate) {
  auto net = two_agents();
  net->add_connections_between({"A"}, {"B"}, 0.0);
  expect_edge(*net, false);
  net->add_connections_between({"A"}, {"B"}, 1.0);
  expect_edge(*net, true);
}

// Plain connections (also through the base class's helpers) have rate 1.
TEST(StochasticNetwork, PlainConnectionsSurviveResampling) {
  auto net = two_agents();
  net->add_connections_from({{"A", "B"}});
  expect_edge(*net, true);
}

TEST(StochasticNetwork, SamplerRates) {
  auto net = two_agents();
  auto one = phantom::uniform(1.0f, 1.0f);
  nn::Rng rng(1);
  one->sample(rng);
  net->add_connection("A", "B", std::shared_ptr<const phantom::Sampler>(one));
  expect_edge(*net, true);

  auto net0 = two_agents();
  auto zero = phantom::uniform(0.0f, 0.0f);
  zero->sample(rng);
  net0->add_connection("A", "B", std::shared_ptr<const phantom::Sampler>(zero));
  expect_edge(*net0, false);
}

// A fractional rate is honoured over many resets, reproducibly from the generator.
TEST(StochasticNetwork, FractionalRateFrequencyAndDeterminism) {
  auto count = [](uint64_t seed) {
    auto net = two_agents();
    net->add_connection("A", "B", 0.3);
    nn::Rng rng(seed);
    int present = 0;
    for (int i = 0; i < 4000; ++i) {
      net->reset(rng);
      present += net->has_edge("A", "B") ? 1 : 0;
    }
    return present;
  };
  int n = count(11);
  EXPECT_NEAR(n / 4000.0, 0.3, 5 * std::sqrt(0.3 * 0.7 / 4000));
  EXPECT_EQ(n, count(11));
}

// Fixed: unknown ids are errors (Python silently added unknown nodes to the graph).
TEST(StochasticNetwork, UnknownIdsAreErrors) {
  auto net = two_agents();
  EXPECT_THROW(net->add_connection("A", "ghost", 0.5), phantom::NetworkError);
  EXPECT_THROW(net->add_connection("A", "B", std::nan("")), phantom::ConfigError);
}

}  // namespace
