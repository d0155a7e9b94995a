// Network::subnet_for: an agent's neighbourhood as a network of its own.
#include <gtest/gtest.h>

#include "phantom/agent.hpp"
#include "phantom/context.hpp"
#include "phantom/network.hpp"

namespace {

struct Note {
  int value;
};

class Listener : public phantom::Agent {
 public:
  explicit Listener(std::string id) : Agent(std::move(id)) {
    on<Note>(
        [this](phantom::Context&, const phantom::Message<Note>& m) { got += m.payload.value; });
  }
  int got = 0;
};

std::unique_ptr<phantom::Network> make_network() {
  phantom::BatchResolverOptions options;
  options.round_limit = 3;
  auto net = std::make_unique<phantom::Network>(std::make_unique<phantom::BatchResolver>(options));
  for (const char* id : {"a", "b", "c", "d", "e"}) net->emplace<Listener>(id);
  // c's neighbours: a, d, e; a-d is an edge among them; b-e is not.
  net->add_connections_from(
      {{"c", "e"}, {"a", "b"}, {"a", "c"}, {"d", "c"}, {"a", "d"}, {"b", "e"}});
  return net;
}

TEST(NetworkSubnetTest, HoldsTheNeighbourhoodAndItsConnections) {
  auto net = make_network();
  auto sub = net->subnet_for("c");
  EXPECT_EQ(sub->agent_ids(), (std::vector<std::string>{"a", "c", "d", "e"}));
  auto edge = [&](const char* x, const char* y) {
    return sub->has_edge(sub->index_of(x), sub->index_of(y));
  };
  EXPECT_TRUE(edge("c", "e") && edge("e", "c"));
  EXPECT_TRUE(edge("a", "c") && edge("c", "d"));
  EXPECT_TRUE(edge("a", "d"));  // among the neighbours
  EXPECT_FALSE(edge("a", "e"));
  EXPECT_FALSE(sub->contains("b"));
  // The same agent objects.
  EXPECT_EQ(&(*sub)["a"], &(*net)["a"]);
}

TEST(NetworkSubnetTest, CopiesOptionsAndAFreshResolver) {
  auto net = make_network();
  net->send(net->index_of("a"), net->index_of("c"), Note{1});  // queued in the original only
  auto sub = net->subnet_for("c");
  EXPECT_EQ(sub->resolver().pending().size(), 0u);
  auto* batch = dynamic_cast<phantom::BatchResolver*>(&sub->resolver());
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->options().round_limit, 3);
  EXPECT_EQ(sub->options().enforce_payload_rules, net->options().enforce_payload_rules);

  // The subnet works on its own: a message delivered through it reaches the shared agent.
  phantom::ContextSet contexts;
  contexts.clear(*sub);
  for (phantom::AgentIndex i = 0; i < sub->size(); ++i) contexts.add(i);
  sub->send(sub->index_of("e"), sub->index_of("c"), Note{5});
  nn::Rng rng(1);
  sub->resolve(contexts, rng);
  EXPECT_EQ(dynamic_cast<Listener&>((*net)["c"]).got, 5);
  EXPECT_THROW(sub->send(sub->index_of("a"), sub->index_of("e"), Note{1}), phantom::NetworkError);
}

TEST(NetworkSubnetTest, Errors) {
  auto net = make_network();
  EXPECT_THROW(net->subnet_for("zz"), phantom::NetworkError);

  class Opaque : public phantom::Resolver {
   public:
    void resolve(phantom::Network&, phantom::ContextSet&, nn::Rng&) override {}
  };
  phantom::Network plain(std::make_unique<Opaque>());
  plain.emplace<Listener>("x");
  try {
    plain.subnet_for("x");
    FAIL();
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("fresh_copy"), std::string::npos) << e.what();
  }
}

}  // namespace
