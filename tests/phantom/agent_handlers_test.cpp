// Where an agent keeps its handlers (phantom/agent.hpp): a small trivially copyable callable lives
// inside its handler, a larger one on the heap, and the first handler inside the agent. None of
// that may show: handlers run in registration order, whatever their number and kind, and a
// callable keeps its own state from one message to the next.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "phantom/agent.hpp"
#include "phantom/network.hpp"

namespace {

using phantom::Context;
using phantom::Message;

struct Ping {
  int n;
};
struct Pong {
  int n;
};

// Five handlers of every kind, each logging "<name><payload value>": inline ones capturing `this`
// (the usual), a mutable inline one counting its own calls, and heap ones (a captured string is
// not trivially copyable; a captured array is too large to fit).
class Mixed : public phantom::Agent {
 public:
  explicit Mixed(std::string id) : Agent(std::move(id)) {
    on<Ping>([this](Context&, const Message<Ping>& m) {
      log.push_back("a" + std::to_string(m.payload.n));
    });
    on<Pong>([this, name = std::string("heap-pong")](Context&, const Message<Pong>& m) {
      log.push_back(name + std::to_string(m.payload.n));
    });
    on<Ping>([this, calls = 0](Context&, const Message<Ping>&) mutable {
      log.push_back("count" + std::to_string(++calls));
    });
    const int big[6] = {1, 2, 3, 4, 5, 6};
    on<Ping>([this, big](Context&, const Message<Ping>& m) {
      log.push_back("big" + std::to_string(big[5] * m.payload.n));
    });
    on<Pong>([this](Context&, const Message<Pong>& m) {
      log.push_back("e" + std::to_string(m.payload.n));
    });
  }
  std::vector<std::string> log;
};

TEST(AgentHandlers, RunInRegistrationOrderWhereverTheyAreStored) {
  phantom::Network net;
  Mixed& a = net.emplace<Mixed>("A");
  net.emplace<Mixed>("B");
  net.add_connection("A", "B");
  phantom::ContextSet contexts;
  contexts.clear(net);
  Context& ctx = contexts.add(net.index_of("A"));
  phantom::MessageQueue queue;
  queue.push(1, 0, Ping{2});
  queue.push(1, 0, Pong{7});
  queue.push(1, 0, Ping{3});
  for (const phantom::MessageHeader& h : queue.headers())
    a.handle_message(ctx, h, queue.payload(h));
  const std::vector<std::string> want = {"a2", "count1", "big12",  "heap-pong7",
                                         "e7", "a3",     "count2", "big18"};
  EXPECT_EQ(a.log, want);
  EXPECT_TRUE(a.handles(phantom::type_id<Ping>()));
  EXPECT_TRUE(a.handles(phantom::type_id<Pong>()));
  EXPECT_FALSE(a.handles(phantom::type_id<int>()));
}

// An agent that registered nothing: the unused first slot must match no payload type.
TEST(AgentHandlers, AnAgentWithoutHandlersHandlesNothing) {
  struct Silent : phantom::Agent {
    using Agent::Agent;
  };
  phantom::Network net;
  Silent& a = net.emplace<Silent>("A");
  net.emplace<Silent>("B");
  net.add_connection("A", "B");
  phantom::ContextSet contexts;
  contexts.clear(net);
  Context& ctx = contexts.add(0);
  EXPECT_FALSE(a.handles(phantom::type_id<Ping>()));
  phantom::MessageQueue queue;
  queue.push(1, 0, Ping{1});
  EXPECT_THROW(a.handle_message(ctx, queue.headers()[0], queue.payload(queue.headers()[0])),
               phantom::AgentError);
}

}  // namespace
