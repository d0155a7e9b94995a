// Network: agents, connections, sending and the call-and-response example of Python Phantom's
// tests/network/test_network.py, plus the errors.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "phantom/agent.hpp"
#include "phantom/network.hpp"

namespace {

using phantom::Context;
using phantom::Message;
using phantom::Network;
using phantom::NetworkError;

struct Cash {
  double amount;
};

// Keeps half of any amount above 25 and sends the other half back.
class Trader : public phantom::Agent {
 public:
  explicit Trader(std::string id) : Agent(std::move(id)) {
    on<Cash>([this](Context& ctx, const Message<Cash>& m) {
      if (m.payload.amount > 25) {
        total_cash += m.payload.amount / 2;
        ctx.send(m.sender, Cash{m.payload.amount / 2});
      }
    });
  }
  void reset(nn::Rng&) override { total_cash = 0; }
  double total_cash = 0;
};

// Delivers everything pending, with a context for every agent.
void resolve_all(Network& net, nn::Rng& rng) {
  phantom::ContextSet contexts;
  contexts.clear(net);
  for (phantom::AgentIndex i = 0; i < net.size(); ++i) contexts.add(i);
  net.resolve(contexts, rng);
}

class NetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mm = &net.emplace<Trader>("mm");
    inv = &net.emplace<Trader>("inv");
    inv2 = &net.emplace<Trader>("inv2");
    net.add_connection("mm", "inv");
  }
  Network net;
  Trader *mm = nullptr, *inv = nullptr, *inv2 = nullptr;
  nn::Rng rng{1};
};

TEST_F(NetworkTest, InitAndConnectionsFromPairs) {
  Network other;
  other.emplace<Trader>("a1");
  other.emplace<Trader>("a2");
  other.add_connections_from({{"a1", "a2"}});
  EXPECT_TRUE(other.has_edge("a1", "a2"));
  EXPECT_TRUE(other.has_edge("a2", "a1"));
  EXPECT_EQ(other.size(), 2);
}

TEST_F(NetworkTest, DuplicateIdAndUnknownConnectionAreErrors) {
  try {
    net.emplace<Trader>("mm");
    FAIL() << "duplicate id accepted";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("'mm' already exists"), std::string::npos) << e.what();
  }
  try {
    net.add_connection("mm", "ghost");
    FAIL() << "unknown id accepted";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("'ghost'"), std::string::npos) << e.what();
  }
}

TEST_F(NetworkTest, NullAgentIsAnError) {
  try {
    net.add_agent(nullptr);
    FAIL() << "null agent accepted";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("null agent"), std::string::npos) << e.what();
  }
  EXPECT_EQ(net.size(), 3);
}

// Fixed (a Python Phantom bug): an unknown sender or receiver id is a NetworkError naming it, also
// when connection errors are ignored (Python raised KeyError there).
TEST(NetworkSend, UnknownIdsAreErrorsEvenWhenIgnoringConnections) {
  phantom::NetworkOptions options;
  options.ignore_connection_errors = true;
  Network net(nullptr, options);
  net.emplace<Trader>("a");
  for (auto [from, to] : {std::pair{"ghost", "a"}, std::pair{"a", "ghost"}}) {
    try {
      net.send(from, to, Cash{1});
      FAIL() << "send " << from << " -> " << to << " accepted";
    } catch (const NetworkError& e) {
      EXPECT_NE(std::string(e.what()).find("no agent with id 'ghost'"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_TRUE(net.resolver().pending().empty());
  EXPECT_NO_THROW(net.send("a", "a", Cash{1}));  // unconnected, but ignored
}

TEST_F(NetworkTest, Getters) {
  EXPECT_EQ(net.agent_ids(), (std::vector<std::string>{"mm", "inv", "inv2"}));
  auto only_mm = net.agents_where([](const phantom::Agent& a) { return a.id() == "mm"; });
  ASSERT_EQ(only_mm.size(), 1u);
  EXPECT_EQ(only_mm[0], mm);
  EXPECT_EQ(net.agents_with_type<phantom::Agent>().size(), 3u);
  EXPECT_EQ(net.agents_with_type<Trader>().size(), 3u);
  EXPECT_TRUE(net.agents_without_type<phantom::Agent>().empty());
  EXPECT_EQ(&net["inv"], inv);
  EXPECT_THROW(net.index_of("nobody"), NetworkError);
  EXPECT_EQ(net.find_index("inv2"), 2);
  EXPECT_EQ(net.find_index("nobody"), -1);
}

// 100 -> inv keeps 50, returns 50 -> mm keeps 25, returns 25 -> stops (not > 25).
TEST_F(NetworkTest, CallResponse) {
  net.send("mm", "inv", Cash{100});
  resolve_all(net, rng);
  EXPECT_EQ(mm->total_cash, 25);
  EXPECT_EQ(inv->total_cash, 50);
}

TEST_F(NetworkTest, SendMany) {
  net.send("mm", "inv", Cash{100});
  net.send("mm", "inv", Cash{100});
  resolve_all(net, rng);
  EXPECT_EQ(mm->total_cash, 50);
  EXPECT_EQ(inv->total_cash, 100);
}

TEST_F(NetworkTest, SendWithoutConnectionIsAnError) {
  try {
    net.send("mm", "inv2", Cash{100});
    FAIL() << "send along a missing connection accepted";
  } catch (const NetworkError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("'mm'"), std::string::npos) << what;
    EXPECT_NE(what.find("'inv2'"), std::string::npos) << what;
    EXPECT_NE(what.find("Cash"), std::string::npos) << what;
  }
}

TEST_F(NetworkTest, ContextsListNeighbours) {
  phantom::ContextSet contexts;
  contexts.clear(net);
  Context& c_mm = contexts.add(net.index_of("mm"));
  Context& c_inv = contexts.add(net.index_of("inv"));
  EXPECT_TRUE(c_mm.is_neighbour("inv"));
  EXPECT_TRUE(c_inv.is_neighbour("mm"));
  EXPECT_FALSE(c_mm.is_neighbour("inv2"));
  EXPECT_EQ(contexts.find(net.index_of("inv2")), nullptr);
}

TEST_F(NetworkTest, ResetResetsAgentsAndDropsPendingMessages) {
  net.send("mm", "inv", Cash{100});
  resolve_all(net, rng);
  net.send("mm", "inv", Cash{100});
  net.reset(rng);
  EXPECT_EQ(mm->total_cash, 0);
  EXPECT_EQ(inv->total_cash, 0);
  EXPECT_TRUE(net.resolver().pending().empty());
}

// Neighbours come in connection order; repeated connections add nothing.
TEST_F(NetworkTest, NeighbourOrderAndDuplicates) {
  Network n;
  for (const char* id : {"a", "b", "c"}) n.emplace<Trader>(id);
  n.add_connection("a", "c");
  n.add_connection("a", "b");
  n.add_connection("a", "c");
  std::vector<phantom::AgentIndex> want = {n.index_of("c"), n.index_of("b")};
  EXPECT_EQ(n.neighbours(n.index_of("a")), want);
  EXPECT_EQ(n.neighbours(n.index_of("b")).size(), 1u);
  n.add_connections_between({"b"}, {"c"});
  EXPECT_TRUE(n.has_edge("c", "b"));
}

// Reproducer: connect(A, A) was accepted silently (Python allowed it). A connection joins two
// different agents, however it is made; an adjacency matrix with a non-zero diagonal was already
// refused, and one whose diagonal passes the hollowness tolerance but would still connect an
// agent to itself is refused by the same rule, leaving the network unchanged.
TEST_F(NetworkTest, SelfConnectionsAreErrors) {
  Network n;
  for (const char* id : {"a", "b"}) n.emplace<Trader>(id);
  try {
    n.add_connection("b", "b");
    FAIL() << "self-connection accepted";
  } catch (const phantom::NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect agent 'b' to itself"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(n.has_edge("b", "b"));
  EXPECT_TRUE(n.neighbours(n.index_of("b")).empty());
  EXPECT_THROW(n.add_connections_from({{"a", "b"}, {"a", "a"}}), phantom::NetworkError);
  EXPECT_THROW(n.add_connections_between({"a", "b"}, {"b"}), phantom::NetworkError);
  EXPECT_THROW(n.add_connections_with_adjacency_matrix({"a", "b"}, {{1, 1}, {1, 0}}),
               phantom::NetworkError);
  Network m;
  for (const char* id : {"a", "b"}) m.emplace<Trader>(id);
  try {
    m.add_connections_with_adjacency_matrix({"a", "b"}, {{0, 1}, {1, 1e-6}});
    FAIL() << "a positive diagonal entry below the tolerance connected 'b' to itself";
  } catch (const phantom::NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect agent 'b' to itself"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(m.has_edge("a", "b"));  // nothing was connected
  m.add_connections_with_adjacency_matrix({"a", "b"}, {{0, 1}, {1, -1e-6}});  // tolerated
  EXPECT_TRUE(m.has_edge("a", "b"));
  EXPECT_FALSE(m.has_edge("b", "b"));
}

// Agents with many neighbours answer has_edge from a hash table of their neighbours; it must
// agree with the list itself, also after more connections are added.
TEST(NetworkHub, HasEdgeWithManyNeighbours) {
  Network n;
  n.emplace<Trader>("hub");
  for (int i = 0; i < 40; ++i) n.emplace<Trader>("n" + std::to_string(i));
  // Connect every other spoke, in a scrambled order.
  for (int k = 0; k < 20; ++k) n.add_connection("hub", "n" + std::to_string((k * 7) % 20 * 2));
  for (int i = 0; i < 40; ++i) {
    std::string id = "n" + std::to_string(i);
    EXPECT_EQ(n.has_edge("hub", id), i % 2 == 0) << id;
    EXPECT_EQ(n.has_edge(id, "hub"), i % 2 == 0) << id;
  }
  EXPECT_EQ(n.neighbours(n.index_of("hub")).size(), 20u);
  EXPECT_EQ(n.id_of(n.neighbours(n.index_of("hub"))[1]), "n14");  // connection order
  n.add_connection("hub", "n39");
  EXPECT_TRUE(n.has_edge("hub", "n39"));
  EXPECT_FALSE(n.has_edge("hub", "n37"));
  EXPECT_FALSE(n.has_edge("hub", "hub"));
}

// Connections are undirected, and has_edge answers from the hub's table when only one end is a
// hub: every pair of hubs, spokes and small agents must still agree with the connections made.
TEST(NetworkHub, HasEdgeAgreesBothWaysAmongHubsAndSmallAgents) {
  Network n;
  std::vector<std::string> ids = {"h1", "h2"};
  for (int i = 0; i < 30; ++i) ids.push_back("s" + std::to_string(i));
  for (const auto& id : ids) n.emplace<Trader>(id);
  std::set<std::pair<std::string, std::string>> edges;
  auto connect = [&](const std::string& a, const std::string& b) {
    n.add_connection(a, b);
    edges.insert({a, b});
    edges.insert({b, a});
  };
  for (int i = 0; i < 20; ++i) connect("h1", "s" + std::to_string(i));      // a hub
  for (int i = 10; i < 30; i += 2) connect("s" + std::to_string(i), "h2");  // another, overlapping
  connect("h1", "h2");
  connect("s25", "s27");  // two small agents
  for (const auto& a : ids) {
    for (const auto& b : ids) {
      EXPECT_EQ(n.has_edge(a, b), edges.count({a, b}) == 1) << a << " -> " << b;
    }
  }
}

TEST_F(NetworkTest, AdjacencyMatrix) {
  Network n;
  n.emplace<Trader>("a");
  n.emplace<Trader>("b");
  n.emplace<Trader>("c");
  n.add_connections_with_adjacency_matrix({"a", "b"}, {{0, 1}, {1, 0}});
  EXPECT_TRUE(n.has_edge("a", "b"));
  EXPECT_FALSE(n.has_edge("a", "c"));
  auto message_of = [&](const std::vector<std::string>& ids,
                        const std::vector<std::vector<double>>& m) -> std::string {
    try {
      n.add_connections_with_adjacency_matrix(ids, m);
    } catch (const NetworkError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message_of({"a", "b", "c"}, {{0, 1}, {1, 0}}).find("3 agent ids"), std::string::npos);
  EXPECT_NE(message_of({"a", "b"}, {{0, 1, 0}, {1, 0, 0}}).find("square"), std::string::npos);
  EXPECT_NE(message_of({"a", "b"}, {{0, 0}, {1, 0}}).find("symmetric"), std::string::npos);
  EXPECT_NE(message_of({"a", "b"}, {{1, 1}, {1, 1}}).find("hollow"), std::string::npos);
}

TEST(NetworkAgent, ReprAndEmptyId) {
  Trader t("AgentID");
  EXPECT_EQ(t.to_string(), "[Trader AgentID]");
  EXPECT_THROW(Trader(""), phantom::ConfigError);
}

}  // namespace
