// Payload rules (Python Phantom's tests/network/test_payload_checks.py and test_message.py) and
// agent message handling (tests/test_agent.py).
#include <gtest/gtest.h>

#include "phantom/agent.hpp"
#include "phantom/network.hpp"

namespace {

using phantom::Context;
using phantom::Message;

class AgentA : public phantom::Agent {
 public:
  using Agent::Agent;
};
class AgentB : public phantom::Agent {
 public:
  using Agent::Agent;
};
class SpecialA : public AgentA {  // subclasses satisfy their base's restriction
 public:
  using AgentA::AgentA;
};

struct Payload1 {  // unrestricted
  int x;
};
struct Payload2 {
  int x;
  using Senders = phantom::Only<AgentA>;
  using Receivers = phantom::Only<AgentB>;
};
struct Payload3 {
  int x;
  using Senders = phantom::Only<AgentA, AgentB>;
  using Receivers = phantom::Only<AgentA, AgentB>;
};
struct Payload4 {
  int x;
  using Senders = phantom::Only<AgentA>;
};
struct Payload5 {
  int x;
  using Receivers = phantom::Only<AgentA>;
};

TEST(MessagePayloadRules, AllowedAndRejectedSends) {
  phantom::Network net;
  net.emplace<AgentA>("A");
  net.emplace<AgentB>("B");
  net.add_connection("A", "B");
  EXPECT_NO_THROW(net.send("A", "B", Payload1{1}));
  EXPECT_NO_THROW(net.send("B", "A", Payload1{1}));
  EXPECT_NO_THROW(net.send("A", "B", Payload2{1}));
  EXPECT_NO_THROW(net.send("A", "B", Payload3{1}));
  EXPECT_NO_THROW(net.send("B", "A", Payload3{1}));
  EXPECT_NO_THROW(net.send("A", "B", Payload4{1}));
  EXPECT_NO_THROW(net.send("B", "A", Payload5{1}));
  try {
    net.send("B", "A", Payload2{1});
    FAIL() << "restricted payload accepted";
  } catch (const phantom::NetworkError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("Payload2"), std::string::npos) << what;
    EXPECT_NE(what.find("'B'"), std::string::npos) << what;
    EXPECT_NE(what.find("AgentA"), std::string::npos) << what;  // the allowed senders
  }
  EXPECT_THROW(net.send("A", "B", Payload5{1}), phantom::NetworkError);  // receiver rule
}

TEST(MessagePayloadRules, EnforcementCanBeSwitchedOff) {
  phantom::NetworkOptions options;
  options.enforce_payload_rules = false;
  phantom::Network net(nullptr, options);
  net.emplace<AgentA>("A");
  net.emplace<AgentB>("B");
  net.add_connection("A", "B");
  EXPECT_NO_THROW(net.send("B", "A", Payload2{1}));
  EXPECT_NO_THROW(net.send("A", "B", Payload2{1}));
}

// Python compares class names, so subclasses are rejected; here they are accepted.
TEST(MessagePayloadRules, SubclassesSatisfyTheirBaseRule) {
  phantom::Network net;
  net.emplace<SpecialA>("S");
  net.emplace<AgentB>("B");
  net.add_connection("S", "B");
  EXPECT_NO_THROW(net.send("S", "B", Payload2{1}));
}

class Counter : public phantom::Agent {
 public:
  explicit Counter(std::string id) : Agent(std::move(id)) {
    on<Payload1>([this](Context&, const Message<Payload1>& m) { calls.push_back(m.payload.x); });
    on<Payload1>([this](Context&, const Message<Payload1>& m) { calls.push_back(-m.payload.x); });
  }
  std::vector<int> calls;
};

// Handlers of one payload type run in registration order; a type without a handler is an error
// naming the payload, the sender and the receiver.
TEST(MessageHandling, HandlersRunInOrderAndUnknownPayloadsAreErrors) {
  phantom::Network net;
  auto& a = net.emplace<Counter>("a");
  net.emplace<Counter>("b");
  net.add_connection("a", "b");
  phantom::ContextSet contexts;
  contexts.clear(net);
  Context& ctx = contexts.add(net.index_of("a"));

  phantom::MessageQueue queue;
  queue.push(net.index_of("b"), net.index_of("a"), Payload1{3});
  a.handle_message(ctx, queue.headers()[0], queue.payload(queue.headers()[0]));
  EXPECT_EQ(a.calls, (std::vector<int>{3, -3}));
  uint32_t index = 0;
  a.handle_batch(ctx, phantom::MessageBatch(queue, &index, 1));
  EXPECT_EQ(a.calls, (std::vector<int>{3, -3, 3, -3}));

  queue.push(net.index_of("b"), net.index_of("a"), Payload2{1});
  try {
    a.handle_message(ctx, queue.headers()[1], queue.payload(queue.headers()[1]));
    FAIL() << "payload without handler accepted";
  } catch (const phantom::AgentError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("Payload2"), std::string::npos) << what;
    EXPECT_NE(what.find("'a'"), std::string::npos) << what;
    EXPECT_NE(what.find("'b'"), std::string::npos) << what;
  }
  EXPECT_TRUE(a.handles(phantom::type_id<Payload1>()));
  EXPECT_FALSE(a.handles(phantom::type_id<Payload2>()));
}

TEST(MessageQueue, KeepsOrderAlignmentAndMemoryAcrossClear) {
  phantom::MessageQueue q;
  struct Wide {
    double d;
    char c;
  };
  q.push(0, 1, Payload1{7});
  q.push(1, 0, Wide{2.5, 'x'});
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q.payload_as<Payload1>(0)->x, 7);
  EXPECT_EQ(q.payload_as<Wide>(1)->d, 2.5);
  EXPECT_EQ(q.payload_as<Payload1>(1), nullptr);  // wrong type
  EXPECT_EQ(reinterpret_cast<uintptr_t>(q.payload(q.headers()[1])) % alignof(double), 0u);
  q.clear();
  EXPECT_TRUE(q.empty());
}

}  // namespace
