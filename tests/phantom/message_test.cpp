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

class OtherAgent : public phantom::Agent {
 public:
  using Agent::Agent;
};

// Python's @msg_payload() with no arguments: anyone may send and receive.
struct Unrestricted {
  int x;
};
// Python's @msg_payload(sender_type=ph.Agent, receiver_type="OtherAgent").
struct FromAnyAgentToOther {
  int x;
  using Senders = phantom::Only<phantom::Agent>;
  using Receivers = phantom::Only<OtherAgent>;
};

// test_payload_1: a payload that declares nothing is unrestricted.
TEST(MessagePayloadRules, UndeclaredRulesAllowAnyAgent) {
  const phantom::PayloadRules& rules = phantom::payload_rules<Unrestricted>();
  EXPECT_EQ(rules.describe_senders(), "any agent");
  EXPECT_EQ(rules.describe_receivers(), "any agent");
  AgentA a("a");
  OtherAgent o("o");
  EXPECT_TRUE(rules.sender_allowed(a));
  EXPECT_TRUE(rules.sender_allowed(o));
  EXPECT_TRUE(rules.receiver_allowed(a));
  EXPECT_TRUE(rules.receiver_allowed(o));
}

// test_payload_2: one type per side; the base class Agent admits every agent.
TEST(MessagePayloadRules, SingleTypePerSide) {
  const phantom::PayloadRules& rules = phantom::payload_rules<FromAnyAgentToOther>();
  EXPECT_EQ(rules.describe_senders(), "one of [phantom::Agent]");
  EXPECT_NE(rules.describe_receivers().find("OtherAgent"), std::string::npos)
      << rules.describe_receivers();
  AgentA a("a");
  OtherAgent o("o");
  EXPECT_TRUE(rules.sender_allowed(a));
  EXPECT_TRUE(rules.sender_allowed(o));
  EXPECT_TRUE(rules.receiver_allowed(o));
  EXPECT_FALSE(rules.receiver_allowed(a));
}

// test_payload_3: lists of types are kept as given, in order.
TEST(MessagePayloadRules, TypeListsAreKeptInOrder) {
  const phantom::PayloadRules& rules = phantom::payload_rules<Payload3>();
  for (const std::string& d : {rules.describe_senders(), rules.describe_receivers()}) {
    std::size_t first = d.find("AgentA"), second = d.find("AgentB");
    ASSERT_NE(first, std::string::npos) << d;
    ASSERT_NE(second, std::string::npos) << d;
    EXPECT_LT(first, second) << d;
  }
  AgentA a("a");
  AgentB b("b");
  OtherAgent o("o");
  EXPECT_TRUE(rules.sender_allowed(a) && rules.sender_allowed(b));
  EXPECT_TRUE(rules.receiver_allowed(a) && rules.receiver_allowed(b));
  EXPECT_FALSE(rules.sender_allowed(o));
  EXPECT_FALSE(rules.receiver_allowed(o));
}

// test_old_payload: Python's deprecated MsgPayload base class (no declared types) was accepted
// with a DeprecationWarning. Here any plain struct is a payload: it needs no declaration and is
// sent, without warning, whether enforcement is on or off.
TEST(MessagePayloadRules, PlainStructNeedsNoDeclaration) {
  for (bool enforce : {true, false}) {
    phantom::NetworkOptions options;
    options.enforce_payload_rules = enforce;
    phantom::Network net(nullptr, options);
    net.emplace<AgentA>("A");
    net.emplace<AgentB>("B");
    net.add_connection("A", "B");
    EXPECT_NO_THROW(net.send("A", "B", Unrestricted{1})) << enforce;
    EXPECT_NO_THROW(net.send("A", "B", Unrestricted{2})) << enforce;
    ASSERT_EQ(net.resolver().pending().size(), 2u) << enforce;
    EXPECT_EQ(net.resolver().pending().payload_as<Unrestricted>(1)->x, 2);
  }
}

// test_payload_checks.py: each allowed send succeeds; Payload2 from B to A is rejected.
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
  try {
    net.send("A", "B", Payload5{1});  // the receiver rule
    FAIL() << "restricted payload accepted";
  } catch (const phantom::NetworkError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cannot be received by 'B'"), std::string::npos) << what;
    EXPECT_NE(what.find("AgentB"), std::string::npos) << what;  // the receiver's type
  }
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

// Python compared bare class names, so two classes called Shop in different modules were
// confused. Here a rule names a type, not a spelling.
namespace north {
class Shop : public phantom::Agent {
 public:
  using Agent::Agent;
};
}  // namespace north
namespace south {
class Shop : public phantom::Agent {
 public:
  using Agent::Agent;
};
}  // namespace south
struct ToNorthShops {
  int x;
  using Receivers = phantom::Only<north::Shop>;
};

TEST(MessagePayloadRules, SameNameInAnotherNamespaceIsAnotherType) {
  phantom::Network net;
  net.emplace<AgentA>("A");
  net.emplace<north::Shop>("N");
  net.emplace<south::Shop>("S");
  net.add_connections_from({{"A", "N"}, {"A", "S"}});
  EXPECT_NO_THROW(net.send("A", "N", ToNorthShops{1}));
  try {
    net.send("A", "S", ToNorthShops{1});
    FAIL() << "a south::Shop passed a rule for north::Shop";
  } catch (const phantom::NetworkError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cannot be received by 'S'"), std::string::npos) << what;
    EXPECT_NE(what.find("south::Shop"), std::string::npos) << what;
    EXPECT_NE(what.find("north::Shop"), std::string::npos) << what;
  }
}

class Counter : public phantom::Agent {
 public:
  explicit Counter(std::string id) : Agent(std::move(id)) {
    on<Payload1>([this](Context&, const Message<Payload1>& m) { calls.push_back(m.payload.x); });
    on<Payload1>([this](Context&, const Message<Payload1>& m) { calls.push_back(-m.payload.x); });
  }
  std::vector<int> calls;
};

// test_agent.py's test_message_handling: handle_message and handle_batch run the handlers of the
// payload type (in registration order); a type without a handler is an error naming the payload,
// the sender and the receiver.
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
