// StochasticNetwork (Python Phantom's tests/network/test_stochastic_network.py, one test per
// Python test: _1 to _6) and its fixes of Python bugs.
#include <gtest/gtest.h>

#include "phantom/agent.hpp"
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

// test_stochastic_network_1
TEST(StochasticNetwork, RateOneAlwaysConnects) {
  auto net = two_agents();
  net->add_connection("A", "B", 1.0);
  expect_edge(*net, true);
}

// test_stochastic_network_2
TEST(StochasticNetwork, RateZeroNeverConnects) {
  auto net = two_agents();
  net->add_connection("A", "B", 0.0);
  expect_edge(*net, false);
}

// test_stochastic_network_3
TEST(StochasticNetwork, ConnectionsFromWithRate) {
  auto net = two_agents();
  net->add_connections_from({{"A", "B", 0.0}});
  expect_edge(*net, false);
  auto sure = two_agents();
  sure->add_connections_from({{"A", "B", 1.0}});
  expect_edge(*sure, true);
}

// test_stochastic_network_4
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

// A sampler holding `value` (Python's MockComparableSampler).
std::shared_ptr<const phantom::Sampler> holding(float value) {
  auto s = phantom::uniform(value, value);
  nn::Rng rng(1);
  s->sample(rng);
  return s;
}

// test_stochastic_network_5
TEST(StochasticNetwork, SamplerRateOne) {
  auto net = two_agents();
  net->add_connection("A", "B", holding(1.0f));
  expect_edge(*net, true);
}

// test_stochastic_network_6
TEST(StochasticNetwork, SamplerRateZero) {
  auto net = two_agents();
  net->add_connection("A", "B", holding(0.0f));
  expect_edge(*net, false);
}

// A sampler's rate is read at every reset, so a supertype can change it between episodes.
TEST(StochasticNetwork, SamplerRateIsReadAtEachReset) {
  auto net = two_agents();
  float next = 0.0f;
  auto rate = phantom::lambda_sampler([&next](nn::Rng&) { return next; });
  nn::Rng rng(2);
  rate->sample(rng);
  net->add_connection("A", "B", std::shared_ptr<const phantom::Sampler>(rate));
  net->reset(rng);
  EXPECT_FALSE(net->has_edge("A", "B"));
  next = 1.0f;
  rate->sample(rng);
  net->reset(rng);
  EXPECT_TRUE(net->has_edge("A", "B"));
}

// Fixed: rates of 1 (or more) and 0 (or less) take no random draw (Python drew for every
// connection), so adding a certain connection never shifts the others' draws.
TEST(StochasticNetwork, CertainRatesTakeNoDraw) {
  auto net = two_agents();
  net->add_connection("A", "B", 1.0);
  net->add_connection("A", "B", 0.0);
  net->add_connection("A", "B", 2.5);
  net->add_connection("A", "B", -1.0);
  net->add_connection("A", "B", holding(1.0f));
  nn::Rng rng(5), twin(5);
  net->resample_connectivity(rng);
  EXPECT_EQ(rng.next_u64(), twin.next_u64());
  EXPECT_TRUE(net->has_edge("A", "B"));
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
  EXPECT_THROW(net->add_connection("ghost", "A", holding(1.0f)), phantom::NetworkError);
  EXPECT_THROW(net->add_connections_from({{"A", "ghost", 1.0}}), phantom::NetworkError);
  try {
    net->add_connection("A", "B", std::nan(""));
    FAIL() << "NaN rate accepted";
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'A'-'B' is NaN"), std::string::npos) << e.what();
  }
  try {
    net->add_connection("A", "B", std::shared_ptr<const phantom::Sampler>());
    FAIL() << "null rate sampler accepted";
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("null rate sampler for 'A'-'B'"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(net->has_edge("A", "B"));
}

// A rate sampler that was never sampled has no rate to read: resampling says so.
TEST(StochasticNetwork, UnsampledRateSamplerIsAValueError) {
  auto net = two_agents();
  net->add_connection("A", "B",
                      std::shared_ptr<const phantom::Sampler>(phantom::uniform(0.0f, 1.0f)));
  EXPECT_FALSE(net->has_edge("A", "B"));
  nn::Rng rng(1);
  EXPECT_THROW(net->resample_connectivity(rng), phantom::ValueError);
}

// A self-connection is refused whatever its rate (the rule of Network::check_connection), before
// anything is recorded, so resampling never brings it back.
TEST(StochasticNetwork, SelfConnectionsAreErrors) {
  auto net = two_agents();
  EXPECT_THROW(net->add_connection("A", "A"), phantom::NetworkError);
  EXPECT_THROW(net->add_connection("A", "A", 0.5), phantom::NetworkError);
  EXPECT_THROW(net->add_connection("B", "B", holding(1.0f)), phantom::NetworkError);
  EXPECT_THROW(net->add_connections_from({{"A", "B", 1.0}, {"B", "B", 1.0}}),
               phantom::NetworkError);
  nn::Rng rng(3);
  net->resample_connectivity(rng);
  EXPECT_FALSE(net->has_edge("A", "A"));
  EXPECT_FALSE(net->has_edge("B", "B"));
  EXPECT_TRUE(net->has_edge("A", "B"));  // the valid connection before the bad one was made
}

}  // namespace
