// AgentArena (phantom/agent_arena.hpp): Network::emplace puts agents one after the other in
// memory whatever their constructors allocate, aligned as their types ask, and the memory lives
// as long as any of the agents does.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "phantom/agent.hpp"
#include "phantom/agent_arena.hpp"
#include "phantom/network.hpp"

namespace {

std::uintptr_t address_of(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

// An agent whose constructor allocates far more than the agent itself.
class Bulky : public phantom::Agent {
 public:
  explicit Bulky(std::string id) : Agent(std::move(id)), data(512, 1.0) {}
  std::vector<double> data;  // 4 KB on the heap
};

TEST(AgentArena, AgentsLieBackToBackWhateverTheirConstructorsAllocate) {
  phantom::Network net;
  std::vector<const Bulky*> agents;
  for (int i = 0; i < 20; ++i) agents.push_back(&net.emplace<Bulky>("b" + std::to_string(i)));
  for (std::size_t i = 1; i < agents.size(); ++i) {
    // The agent, its shared_ptr bookkeeping and alignment; never the 4 KB its constructor made.
    EXPECT_LT(address_of(agents[i]) - address_of(agents[i - 1]), sizeof(Bulky) + 128) << i;
    EXPECT_EQ(agents[i]->data.size(), 512u);
  }
}

class alignas(64) Aligned : public phantom::Agent {
 public:
  using Agent::Agent;
  char tag = 'x';
};

TEST(AgentArena, AgentsGetTheAlignmentOfTheirType) {
  phantom::Network net;
  for (int i = 0; i < 10; ++i) {
    net.emplace<Bulky>("b" + std::to_string(i));  // shifts the arena's next free byte
    const Aligned& a = net.emplace<Aligned>("a" + std::to_string(i));
    EXPECT_EQ(address_of(&a) % 64, 0u) << a.id();
  }
}

// Counts its destructions.
int g_destroyed = 0;
class Counted : public phantom::Agent {
 public:
  using Agent::Agent;
  ~Counted() override { ++g_destroyed; }
};

// A subnet shares its agents with the network it came from: they, and the arena they live in,
// must outlive that network; the last of them to go frees the arena.
TEST(AgentArena, AgentsSharedWithASubnetOutliveTheirNetwork) {
  g_destroyed = 0;
  auto net = std::make_unique<phantom::Network>();
  for (const char* id : {"a", "b", "c", "d"}) net->emplace<Counted>(id);
  net->add_connection("a", "b");
  net->add_connection("b", "c");
  std::unique_ptr<phantom::Network> sub = net->subnet_for("b");
  net.reset();
  EXPECT_EQ(g_destroyed, 1) << "only d, which is not in b's subnet, should be gone";
  ASSERT_EQ(sub->size(), 3);
  EXPECT_EQ(sub->agent(sub->index_of("a")).id(), "a");
  EXPECT_TRUE(sub->has_edge("a", "b"));
  sub.reset();
  EXPECT_EQ(g_destroyed, 4);
}

// The arena itself: requests follow one another in a block, each aligned; one larger than a
// block gets a block of its own.
TEST(AgentArena, AllocatesInOrderAlignedAndLargeRequestsApart) {
  phantom::AgentArena arena;
  auto* a = static_cast<unsigned char*>(arena.allocate(40, 8));
  auto* b = static_cast<unsigned char*>(arena.allocate(24, 64));
  auto* c = static_cast<unsigned char*>(arena.allocate(8, 8));
  EXPECT_EQ(address_of(a) % 8, 0u);
  EXPECT_EQ(address_of(b) % 64, 0u);
  EXPECT_GE(b, a + 40);
  EXPECT_LT(b, a + 40 + 64);
  EXPECT_EQ(c, b + 24);
  const std::size_t big = 3 * phantom::AgentArena::kBlockSize;
  auto* d = static_cast<unsigned char*>(arena.allocate(big, 128));
  EXPECT_EQ(address_of(d) % 128, 0u);
  d[0] = 1;
  d[big - 1] = 2;  // the whole request is usable (ASan checks)
  auto* e = static_cast<unsigned char*>(arena.allocate(16, 16));
  EXPECT_EQ(address_of(e) % 16, 0u);
  EXPECT_TRUE(e < d || e >= d + big) << "the next request overlaps the large one";
}

}  // namespace
