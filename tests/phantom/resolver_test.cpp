// BatchResolver: delivery order, round limits, replies along missing connections, tracking
// (Python Phantom's tests/network/test_resolver.py and test_tracking.py), and the fixed bugs.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "phantom/agent.hpp"
#include "phantom/network.hpp"
#include "support/error_message.hpp"

namespace {

using phantom::Context;
using phantom::Message;
using phantom::Network;

struct Request {
  int value;
};
struct Response {
  int value;
};

// A logical clock: every construction and every handled message takes the next tick.
int g_clock = 0;

class Clocked : public phantom::Agent {
 public:
  explicit Clocked(std::string id) : Agent(std::move(id)), req_time(g_clock++), res_time(req_time) {
    on<Request>([this](Context& ctx, const Message<Request>& m) {
      req_time = g_clock++;
      ctx.send(m.sender, Response{m.payload.value});
    });
    on<Response>([this](Context&, const Message<Response>&) { res_time = g_clock++; });
  }
  int req_time, res_time;
};

phantom::ContextSet& contexts_for_all(Network& net, phantom::ContextSet& contexts) {
  contexts.clear(net);
  for (phantom::AgentIndex i = 0; i < net.size(); ++i) contexts.add(i);
  return contexts;
}

// test_resolver.py's test_ordering: receivers are served in the order they first received a
// message; replies come a round later.
TEST(Resolver, Ordering) {
  Network net;
  auto& a = net.emplace<Clocked>("A");
  auto& b = net.emplace<Clocked>("B");
  auto& c = net.emplace<Clocked>("C");
  net.add_connections_from({{"A", "B"}, {"A", "C"}, {"B", "C"}});
  net.send("A", "B", Request{0});
  net.send("A", "C", Request{0});
  net.send("B", "C", Request{0});
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  net.resolve(contexts_for_all(net, contexts), rng);
  EXPECT_LE(a.req_time, b.req_time);
  EXPECT_LE(b.req_time, c.req_time);
  EXPECT_LE(c.res_time, a.res_time);  // C gets no response: its construction time
  EXPECT_LE(a.res_time, b.res_time);
}

// test_batch_resolver_round_limit: exceeding the round limit is an error, and (fixed) it leaves
// the queue empty (Python leaves it full). The message names the agents still messaging.
TEST(Resolver, RoundLimitIsAnErrorAndClearsTheQueue) {
  // A limit of one round delivers requests but not the replies they cause.
  phantom::BatchResolverOptions options;
  options.round_limit = 1;
  Network net(std::make_unique<phantom::BatchResolver>(options));
  net.emplace<Clocked>("A");
  net.emplace<Clocked>("B");
  net.add_connection("A", "B");
  net.send("A", "B", Request{1});
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  try {
    net.resolve(contexts_for_all(net, contexts), rng);
    FAIL() << "no error at the round limit";
  } catch (const phantom::ResolverError& e) {
    EXPECT_NE(std::string(e.what()).find("1 message(s)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("round limit of 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'B' -> 'A' (1)"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(net.resolver().pending().empty());
}

// Passes a countdown back and forth until it reaches zero: one round per message.
class Countdown : public phantom::Agent {
 public:
  explicit Countdown(std::string id) : Agent(std::move(id)) {
    on<Request>([this](Context& ctx, const Message<Request>& m) {
      ++handled;
      if (m.payload.value > 0) ctx.send(m.sender, Request{m.payload.value - 1});
    });
  }
  int handled = 0;
};

// The default resolver's round limit is 10,000 rounds (Python's docstrings claimed 2; Python had
// none). A long exchange well within it is delivered in full.
TEST(Resolver, DefaultRoundLimitIs10000) {
  Network net;
  auto* batch = dynamic_cast<phantom::BatchResolver*>(&net.resolver());
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->options().round_limit, 10000);
  EXPECT_EQ(phantom::BatchResolverOptions::kDefaultRoundLimit, 10000);
  EXPECT_FALSE(batch->options().shuffle_batches);
  EXPECT_FALSE(batch->options().track_messages);
  auto& a = net.emplace<Countdown>("A");
  auto& b = net.emplace<Countdown>("B");
  net.add_connection("A", "B");
  net.send("A", "B", Request{9999});
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  net.resolve(contexts_for_all(net, contexts), rng);
  EXPECT_EQ(a.handled + b.handled, 10000);  // 10,000 rounds: exactly the limit
  EXPECT_TRUE(net.resolver().pending().empty());
}

// Reproducer: two agents that always answer each other looped forever under the default
// resolver. Now the step fails after 10,000 rounds, naming both agents.
TEST(Resolver, AgentsThatAlwaysReplyHitTheDefaultLimit) {
  Network net;
  net.emplace<Countdown>("ping");
  net.emplace<Countdown>("pong");
  net.emplace<Countdown>("idle");
  net.add_connection("ping", "pong");
  net.add_connection("ping", "idle");
  net.send("ping", "pong", Request{std::numeric_limits<int>::max()});
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  const std::string m = test_support::message_of<phantom::ResolverError>(
      [&] { net.resolve(contexts_for_all(net, contexts), rng); });
  EXPECT_HAS(m, "round limit of 10000 round(s)");
  EXPECT_HAS(m, "agents still messaging (sender -> receiver): 'ping' -> 'pong' (1)");
  EXPECT_EQ(m.find("idle"), std::string::npos) << m;
  EXPECT_TRUE(net.resolver().pending().empty());
}

// 0 means unlimited: an exchange longer than the default limit completes.
TEST(Resolver, RoundLimitZeroIsUnlimited) {
  phantom::BatchResolverOptions options;
  options.round_limit = 0;
  Network net(std::make_unique<phantom::BatchResolver>(options));
  auto& a = net.emplace<Countdown>("A");
  auto& b = net.emplace<Countdown>("B");
  net.add_connection("A", "B");
  net.send("A", "B", Request{25000});
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  net.resolve(contexts_for_all(net, contexts), rng);
  EXPECT_EQ(a.handled + b.handled, 25001);
}

// At most ten sender -> receiver pairs are listed, then how many more there are.
TEST(Resolver, RoundLimitMessageListsAtMostTenPairs) {
  phantom::BatchResolverOptions options;
  options.round_limit = 1;
  Network net(std::make_unique<phantom::BatchResolver>(options));
  net.emplace<Countdown>("hub");
  for (int i = 0; i < 12; ++i) {
    const std::string id = "s" + std::to_string(i);
    net.emplace<Countdown>(id);
    net.add_connection("hub", id);
    net.send("hub", id, Request{5});
  }
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  const std::string m = test_support::message_of<phantom::ResolverError>(
      [&] { net.resolve(contexts_for_all(net, contexts), rng); });
  EXPECT_HAS(m, "12 message(s)");
  EXPECT_HAS(m, "'s0' -> 'hub' (1), 's1' -> 'hub' (1)");
  EXPECT_HAS(m, "'s9' -> 'hub' (1) and 2 more pairs");
}

TEST(Resolver, NegativeRoundLimitIsRejected) {
  phantom::BatchResolverOptions options;
  options.round_limit = -1;
  try {
    phantom::BatchResolver resolver{options};
    FAIL() << "negative round limit accepted";
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("round_limit must be >= 0 (0: unlimited), got -1"),
              std::string::npos)
        << e.what();
  }
}

// test_invalid_response_connection: B answers C, to whom it is not connected; the NetworkError
// surfaces from resolve().
class RepliesToC : public phantom::Agent {
 public:
  explicit RepliesToC(std::string id) : Agent(std::move(id)) {
    on<Request>([](Context& ctx, const Message<Request>&) { ctx.send("C", Response{0}); });
  }
};

TEST(Resolver, ReplyWithoutConnectionIsAnError) {
  Network net;
  net.emplace<Clocked>("A");
  net.emplace<RepliesToC>("B");
  net.emplace<Clocked>("C");
  net.add_connection("A", "B");
  net.send("A", "B", Request{0});
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  EXPECT_THROW(net.resolve(contexts_for_all(net, contexts), rng), phantom::NetworkError);
}

// Records every batch it is given.
class Recorder : public phantom::Agent {
 public:
  explicit Recorder(std::string id) : Agent(std::move(id)) {}
  void handle_batch(Context&, const phantom::MessageBatch& batch) override {
    std::vector<int> values;
    for (std::size_t i = 0; i < batch.size(); ++i)
      values.push_back(batch.payload_as<Request>(i)->value);
    batches.push_back(values);
  }
  std::vector<std::vector<int>> batches;
};

// Messages to an agent without a context (e.g. finished) are dropped and counted.
TEST(Resolver, MessagesToAgentsWithoutContextAreDroppedAndCounted) {
  auto resolver = std::make_unique<phantom::BatchResolver>();
  auto* batch_resolver = resolver.get();
  Network net(std::move(resolver));
  net.emplace<Recorder>("A");
  auto& b = net.emplace<Recorder>("B");
  net.add_connection("A", "B");
  net.send("A", "B", Request{1});
  phantom::ContextSet contexts;
  contexts.clear(net);
  contexts.add(net.index_of("A"));  // B has no context
  nn::Rng rng(1);
  net.resolve(contexts, rng);
  EXPECT_TRUE(b.batches.empty());
  EXPECT_EQ(batch_resolver->dropped_messages(), 1);
}

// With ignored connection errors, messages along missing edges are dropped at delivery, and a
// batch left empty is not delivered at all (Python calls handle_batch with an empty list).
TEST(Resolver, IgnoredConnectionErrorsDropMessagesAndNoEmptyBatches) {
  phantom::NetworkOptions options;
  options.ignore_connection_errors = true;
  Network net(nullptr, options);
  net.emplace<Recorder>("A");
  auto& b = net.emplace<Recorder>("B");
  auto& c = net.emplace<Recorder>("C");
  net.add_connection("A", "C");
  net.send("A", "B", Request{1});  // no edge: queued, then dropped
  net.send("A", "C", Request{2});
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  net.resolve(contexts_for_all(net, contexts), rng);
  EXPECT_TRUE(b.batches.empty());
  ASSERT_EQ(c.batches.size(), 1u);
  EXPECT_EQ(c.batches[0], std::vector<int>{2});
}

// Shuffled batches are permutations, reproducible from the generator's seed.
TEST(Resolver, ShuffleIsAPermutationAndReproducible) {
  auto run = [](uint64_t seed) {
    phantom::BatchResolverOptions options;
    options.shuffle_batches = true;
    Network net(std::make_unique<phantom::BatchResolver>(options));
    net.emplace<Recorder>("A");
    auto& b = net.emplace<Recorder>("B");
    net.add_connection("A", "B");
    for (int v = 0; v < 20; ++v) net.send("A", "B", Request{v});
    phantom::ContextSet contexts;
    nn::Rng rng(seed);
    net.resolve(contexts_for_all(net, contexts), rng);
    return b.batches.at(0);
  };
  std::vector<int> first = run(7), again = run(7), other = run(8);
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  std::vector<int> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  for (int v = 0; v < 20; ++v) EXPECT_EQ(sorted[v], v);
}

// Halves the value back to the sender while it is above 1.
class Halver : public phantom::Agent {
 public:
  explicit Halver(std::string id) : Agent(std::move(id)) {
    on<Request>([](Context& ctx, const Message<Request>& m) {
      if (m.payload.value > 1) ctx.send(m.sender, Request{m.payload.value / 2});
    });
  }
};

// test_tracking.py
TEST(Resolver, TracksEveryMessageInOrder) {
  phantom::BatchResolverOptions options;
  options.track_messages = true;
  Network net(std::make_unique<phantom::BatchResolver>(options));
  for (const char* id : {"A", "B", "C"}) net.emplace<Halver>(id);
  net.add_connections_from({{"A", "B"}, {"A", "C"}});
  net.send("A", "B", Request{4});
  net.send("A", "C", Request{4});
  phantom::ContextSet contexts;
  nn::Rng rng(1);
  net.resolve(contexts_for_all(net, contexts), rng);

  struct Expected {
    const char *from, *to;
    int value;
  };
  std::vector<Expected> want = {{"A", "B", 4}, {"A", "C", 4}, {"B", "A", 2},
                                {"C", "A", 2}, {"A", "B", 1}, {"A", "C", 1}};
  const phantom::MessageQueue& tracked = net.resolver().tracked();
  ASSERT_EQ(tracked.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const phantom::MessageHeader& h = tracked.headers()[i];
    EXPECT_EQ(net.id_of(h.sender), want[i].from) << i;
    EXPECT_EQ(net.id_of(h.receiver), want[i].to) << i;
    ASSERT_NE(tracked.payload_as<Request>(i), nullptr);
    EXPECT_EQ(tracked.payload_as<Request>(i)->value, want[i].value) << i;
  }
  net.resolver().clear_tracked();
  EXPECT_TRUE(net.resolver().tracked().empty());
}

}  // namespace
