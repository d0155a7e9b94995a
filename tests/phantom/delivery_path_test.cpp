// The fast paths of message delivery give the same results as the simple ones: receivers grouped
// whether or not their messages arrive adjacent, the edge bit matrix of small networks, the cached
// payload verdicts, and handlers held without std::function.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "phantom/agent.hpp"
#include "phantom/network.hpp"

namespace {

using phantom::AgentIndex;
using phantom::Context;
using phantom::Message;
using phantom::Network;

struct Note {
  int value;
};

// Every delivery, in order: (receiver id, batch values).
std::vector<std::pair<std::string, std::vector<int>>> g_deliveries;

class Logger : public phantom::Agent {
 public:
  explicit Logger(std::string id) : Agent(std::move(id)) {
    on<Note>([](Context&, const Message<Note>&) {});
  }
  void handle_batch(Context& ctx, const phantom::MessageBatch& batch) override {
    std::vector<int> values;
    for (std::size_t i = 0; i < batch.size(); ++i)
      values.push_back(batch.payload_as<Note>(i)->value);
    g_deliveries.emplace_back(id(), values);
    Agent::handle_batch(ctx, batch);
  }
};

void resolve_all(Network& net) {
  phantom::ContextSet contexts;
  contexts.clear(net);
  for (AgentIndex i = 0; i < net.size(); ++i) contexts.add(i);
  nn::Rng rng(1);
  net.resolve(contexts, rng);
}

// A receiver that comes back after another one still gets all its messages in one batch, at the
// place of its first message.
TEST(DeliveryPath, InterleavedReceiversAreGroupedInFirstMessageOrder) {
  Network net;
  for (const char* id : {"A", "B", "C", "D"}) net.emplace<Logger>(id);
  net.add_connections_between({"A"}, {"B", "C", "D"});
  g_deliveries.clear();
  net.send("A", "C", Note{1});
  net.send("A", "B", Note{2});
  net.send("A", "C", Note{3});
  net.send("A", "D", Note{4});
  net.send("A", "B", Note{5});
  net.send("A", "C", Note{6});
  resolve_all(net);
  using Batch = std::pair<std::string, std::vector<int>>;
  EXPECT_EQ(g_deliveries, (std::vector<Batch>{{"C", {1, 3, 6}}, {"B", {2, 5}}, {"D", {4}}}));

  // Adjacent again in the next resolve: the grouping state was reset.
  g_deliveries.clear();
  net.send("A", "D", Note{7});
  net.send("A", "D", Note{8});
  net.send("A", "B", Note{9});
  resolve_all(net);
  EXPECT_EQ(g_deliveries, (std::vector<Batch>{{"D", {7, 8}}, {"B", {9}}}));
}

// has_edge agrees with the connections made, in small and large networks, for agents with few
// neighbours (a scan of their list) and for the hub N0 (a table that grows with it).
TEST(DeliveryPath, HasEdgeMatchesTheConnectionsForSmallAndLargeNetworks) {
  for (int n : {5, 64, 65, 130, 1100}) {
    Network net;
    std::set<std::pair<int, int>> edges;
    auto id = [](int i) { return "N" + std::to_string(i); };
    for (int i = 0; i < n; ++i) {
      net.emplace<Logger>(id(i));
      // Connect the new agent to a few earlier ones, some edges before the matrix grows (never
      // to itself: self-connections are refused).
      for (int j : {0, i / 2, i - 1}) {
        if (j < 0 || j == i || (i + j) % 3 == 0) continue;
        net.add_connection(id(i), id(j));
        edges.insert({i, j});
        edges.insert({j, i});
      }
    }
    int checked = 0;
    for (int s = 0; s < n; s += (n > 200 ? 7 : 1)) {
      for (int r = 0; r < n; ++r) {
        EXPECT_EQ(net.has_edge(s, r), edges.count({s, r}) == 1) << n << ": " << s << " -> " << r;
        ++checked;
      }
    }
    EXPECT_GT(checked, 0);
    // The hub N0 has many neighbours (a table beyond Neighbours::kScanLimit).
    EXPECT_EQ(net.has_edge(id(0), id(n - 1)), edges.count({0, n - 1}) == 1);
  }
}

class Sender : public phantom::Agent {
 public:
  using Agent::Agent;
};
class Receiver : public phantom::Agent {
 public:
  explicit Receiver(std::string id);
};
struct Restricted {
  int value;
  using Senders = phantom::Only<Sender>;
  using Receivers = phantom::Only<Receiver>;
};
Receiver::Receiver(std::string id) : Agent(std::move(id)) {
  on<Restricted>([](Context&, const Message<Restricted>&) {});
}

// Verdicts are cached per (payload type, agent); agents added after the first check get their
// own verdicts, not a neighbour's.
TEST(DeliveryPath, PayloadVerdictsForAgentsAddedLater) {
  Network net;
  net.emplace<Sender>("S");
  net.emplace<Receiver>("R");
  net.add_connection("S", "R");
  EXPECT_NO_THROW(net.send("S", "R", Restricted{1}));
  EXPECT_THROW(net.send("R", "S", Restricted{1}), phantom::NetworkError);
  net.emplace<Receiver>("R2");
  net.emplace<Sender>("S2");
  net.add_connections_from({{"S", "R2"}, {"S2", "R2"}, {"S", "S2"}});
  EXPECT_NO_THROW(net.send("S", "R2", Restricted{2}));
  EXPECT_NO_THROW(net.send("S2", "R2", Restricted{3}));
  EXPECT_THROW(net.send("R2", "S2", Restricted{4}), phantom::NetworkError);
  EXPECT_THROW(net.send("S", "S2", Restricted{5}), phantom::NetworkError);
}

// Handlers may be move-only and keep state; they run in registration order.
class Stateful : public phantom::Agent {
 public:
  explicit Stateful(std::string id) : Agent(std::move(id)) {
    auto sum = std::make_unique<int>(0);
    on<Note>([this, sum = std::move(sum)](Context&, const Message<Note>& m) mutable {
      *sum += m.payload.value;
      log.push_back(*sum);
    });
    on<Note>([this](Context&, const Message<Note>& m) { log.push_back(-m.payload.value); });
  }
  std::vector<int> log;
};

TEST(DeliveryPath, MoveOnlyStatefulHandlersInRegistrationOrder) {
  Network net;
  net.emplace<Logger>("A");
  auto& b = net.emplace<Stateful>("B");
  net.add_connection("A", "B");
  net.send("A", "B", Note{2});
  net.send("A", "B", Note{5});
  resolve_all(net);
  EXPECT_EQ(b.log, (std::vector<int>{2, -2, 7, -5}));
}

}  // namespace
