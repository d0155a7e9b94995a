// Neighbours (phantom/network_neighbours.hpp): the list in connection order and the lookup every
// send and every neighbour view makes, below and above the size at which an agent keeps a hash
// table; and the network's hubs built on it (connection checks, views, stochastic redraws).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "phantom/agent.hpp"
#include "phantom/context.hpp"
#include "phantom/network_neighbours.hpp"
#include "phantom/stochastic_network.hpp"

namespace {

using phantom::AgentIndex;
using phantom::Neighbours;

// find() must give every member's position in list() and -1 for everyone else.
void expect_consistent(const Neighbours& n, AgentIndex universe, const std::string& where) {
  const std::vector<AgentIndex>& list = n.list();
  for (std::size_t k = 0; k < list.size(); ++k) {
    EXPECT_EQ(n.find(list[k]), static_cast<int32_t>(k)) << where << ": neighbour " << list[k];
  }
  for (AgentIndex a = -1; a < universe; ++a) {
    bool member = std::find(list.begin(), list.end(), a) != list.end();
    EXPECT_EQ(n.contains(a), member) << where << ": agent " << a;
  }
}

// The list keeps connection order without repeats across the switch to a table and several
// regrowths of it, with neighbours added in a scrambled order.
TEST(Neighbours, ListOrderAndLookupAcrossTableGrowth) {
  Neighbours n;
  std::vector<AgentIndex> expected;
  const AgentIndex universe = 600;
  for (int k = 0; k < 500; ++k) {
    AgentIndex a = (k * 337) % 499;  // a permutation of 0..498, then 0 again
    bool added = n.insert(a);
    EXPECT_EQ(added, std::find(expected.begin(), expected.end(), a) == expected.end()) << a;
    if (added) expected.push_back(a);
    EXPECT_FALSE(n.insert(a)) << "a repeat of " << a << " was added";
    // Check fully around the scan limit and at the table's regrowths, sparsely elsewhere.
    if (expected.size() <= Neighbours::kScanLimit + 2 || k % 97 == 0) {
      expect_consistent(n, universe, "after " + std::to_string(k + 1) + " inserts");
    }
  }
  EXPECT_EQ(n.list(), expected);
  expect_consistent(n, universe, "at the end");
}

// After clear() an agent that once was a hub answers from its (emptied) table: it must forget
// every old neighbour and learn the new ones, small or large in number.
TEST(Neighbours, ClearForgetsEveryNeighbourAndKeepsWorking) {
  Neighbours n;
  for (AgentIndex a = 0; a < 100; ++a) n.insert(a);
  n.clear();
  EXPECT_TRUE(n.list().empty());
  expect_consistent(n, 120, "cleared hub");
  n.insert(7);
  n.insert(3);
  EXPECT_EQ(n.list(), (std::vector<AgentIndex>{7, 3}));
  expect_consistent(n, 120, "cleared hub with two neighbours");
  for (AgentIndex a = 110; a >= 0; a -= 2) n.insert(a);
  expect_consistent(n, 120, "cleared hub refilled");
}

// Whether find() agrees with list() for these agents (members or not).
void expect_finds(const Neighbours& n, const std::vector<AgentIndex>& agents,
                  const std::string& where) {
  const std::vector<AgentIndex>& list = n.list();
  for (AgentIndex a : agents) {
    auto it = std::find(list.begin(), list.end(), a);
    const int32_t want = it == list.end() ? -1 : static_cast<int32_t>(it - list.begin());
    EXPECT_EQ(n.find(a), want) << where << ": agent " << a;
  }
}

// A hub's neighbours spread far apart (more indices than its table has slots) are hashed; close
// together they are looked up directly, and neighbours added below, above and far from the span
// keep every lookup right whichever way the table is rebuilt.
TEST(Neighbours, SpreadAndConsecutiveHubsAndNeighboursOutsideTheSpan) {
  Neighbours spread;
  std::vector<AgentIndex> probes;
  for (AgentIndex k = 0; k < 40; ++k) {
    spread.insert(k * 1000 + 7);
    for (AgentIndex d : {-1, 0, 1}) probes.push_back(k * 1000 + 7 + d);
  }
  expect_finds(spread, probes, "spread hub");

  Neighbours hub;
  for (AgentIndex a = 100; a < 140; ++a) hub.insert(a);  // consecutive: direct
  expect_consistent(hub, 300, "consecutive hub");
  for (AgentIndex a = 99; a >= 40; --a) hub.insert(a);  // below the span, one by one
  expect_consistent(hub, 300, "extended downwards");
  for (AgentIndex a = 140; a < 200; ++a) hub.insert(a);  // and upwards
  expect_consistent(hub, 300, "extended upwards");
  hub.insert(1000000);  // far away: the span no longer fits the table
  probes = {39, 40, 199, 200, 999999, 1000000, 1000001, 0, -1};
  expect_finds(hub, probes, "with a far neighbour");
  expect_consistent(hub, 300, "with a far neighbour");
  EXPECT_EQ(hub.find(1000000), static_cast<int32_t>(hub.list().size()) - 1);
}

// range() lists the same neighbours as list(), from inside the Neighbours object while there are
// at most kInline of them, and from the list beyond.
TEST(Neighbours, RangeIsTheListReadInPlaceForFewNeighbours) {
  Neighbours n;
  const auto* object = reinterpret_cast<const unsigned char*>(&n);
  for (AgentIndex a = 0; a < 6; ++a) {
    const phantom::AgentRange range = n.range();
    EXPECT_EQ(std::vector<AgentIndex>(range.begin(), range.end()), n.list()) << a << " neighbours";
    const auto* first = reinterpret_cast<const unsigned char*>(range.begin());
    const bool in_object = first >= object && first < object + sizeof(Neighbours);
    EXPECT_EQ(in_object, n.list().size() <= Neighbours::kInline) << a << " neighbours";
    n.insert(10 - 3 * a);
  }
}

class Trader : public phantom::Agent {
 public:
  using Agent::Agent;
};

struct Price {
  int seller;
};

class Seller : public phantom::Agent, public phantom::WithView<Price> {
 public:
  Seller(std::string id, int number) : Agent(std::move(id)), number(number) {}
  Price view(const phantom::Agent&) const override { return {number}; }
  int number;
};

// A hub reads each neighbour's view by position (found in the hub's table): every one of its 40
// sellers, connected in a scrambled order, must come back as itself; a non-neighbour is an error.
TEST(NetworkHub, ViewsOfManyNeighboursAreFoundByPosition) {
  phantom::Network net;
  net.emplace<Trader>("hub");
  for (int i = 0; i < 41; ++i) net.emplace<Seller>("s" + std::to_string(i), i);
  for (int k = 0; k < 40; ++k) net.add_connection("hub", "s" + std::to_string((k * 17) % 40));
  phantom::ContextSet contexts;
  contexts.clear(net);
  phantom::Context& ctx = contexts.add(net.index_of("hub"));
  for (int i = 0; i < 40; ++i) {
    std::string id = "s" + std::to_string(i);
    const Price* price = ctx.view<Price>(id);
    ASSERT_NE(price, nullptr) << id;
    EXPECT_EQ(price->seller, i) << "the view of " << id;
    EXPECT_TRUE(ctx.is_neighbour(id)) << id;
  }
  EXPECT_FALSE(ctx.is_neighbour("s40"));
  EXPECT_FALSE(ctx.is_neighbour("nobody"));
  EXPECT_THROW(ctx.view<Price>("s40"), phantom::ViewError);
}

// A stochastic hub redraws its connections at every reset: has_edge must follow each draw both
// ways, and the hub's list must be the drawn connections in the order they were added.
TEST(NetworkHub, StochasticHubFollowsEveryRedraw) {
  phantom::StochasticNetwork net;
  net.emplace<Trader>("hub");
  const int spokes = 60;
  std::vector<std::string> ids;
  for (int i = 0; i < spokes; ++i) {
    ids.push_back("n" + std::to_string(i));
    net.emplace<Trader>(ids.back());
  }
  for (int k = 0; k < spokes; ++k) net.add_connection("hub", ids[(k * 7) % spokes], 0.5);
  nn::Rng rng(11);
  std::set<std::size_t> sizes;
  for (int draw = 0; draw < 8; ++draw) {
    net.resample_connectivity(rng);
    const AgentIndex hub = net.index_of("hub");
    const std::vector<AgentIndex>& list = net.neighbours(hub);
    sizes.insert(list.size());
    // Connection order: the order of add_connection, skipping the absent ones.
    std::vector<AgentIndex> in_order;
    for (int k = 0; k < spokes; ++k) {
      AgentIndex spoke = net.index_of(ids[(k * 7) % spokes]);
      if (std::find(list.begin(), list.end(), spoke) != list.end()) in_order.push_back(spoke);
    }
    EXPECT_EQ(list, in_order) << "draw " << draw;
    for (int i = 0; i < spokes; ++i) {
      AgentIndex spoke = net.index_of(ids[static_cast<std::size_t>(i)]);
      bool listed = std::find(list.begin(), list.end(), spoke) != list.end();
      EXPECT_EQ(net.has_edge(hub, spoke), listed) << "draw " << draw << ": hub -> " << ids[i];
      EXPECT_EQ(net.has_edge(spoke, hub), listed) << "draw " << draw << ": " << ids[i] << " -> hub";
    }
  }
  EXPECT_GT(sizes.size(), 1u) << "every draw kept the same number of connections";
}

}  // namespace
