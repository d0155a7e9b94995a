// Neighbours: one agent's neighbours, in connection order and as a set, so that the check every
// send makes ("is r a neighbour of s?") costs the same whatever the size of the network and the
// degree of the sender.
//
// Markets have hubs: a shop with thousands of customers answers each of them every step. A
// search of the sender's neighbour list (a scan, or a binary search of a sorted copy) grows with
// the hub's degree; a bit matrix answers in one load but takes N^2 bits (12.5 MB for 10,000
// agents, nearly all zero); one hash table of all the network's edges answers in about one probe
// but at a random place in a table as large as the network, which the rest of a large step has
// pushed out of the cache by the next send (bench/README.md, "Many agents", has the numbers).
//
// So each agent answers from data of its own, small for most agents and hot for hubs:
// - an agent with at most kScanLimit neighbours (8 indices, 32 bytes) scans its list. Most agents
//   have a few neighbours, and they need nothing more than the list. A probe of the table costs
//   about as many instructions as a scan of 4 entries, the average for 8;
// - an agent with more (a hub) keeps, besides the list, a table of its neighbours' indices and
//   positions in the list, at most half full. Usually a hub's neighbours were added together and
//   have nearly consecutive indices (all the customers of a shop, all the traders of a market):
//   if they span no more indices than the table has slots, the table is direct, slot i for agent
//   first + i, one load at a place that moves forward as the senders do, which the hardware
//   prefetches. Otherwise it is hashed (Fibonacci hashing, linear probing): about one probe.
// The position serves the other per-neighbour lookup, the view a neighbour showed (Context::view),
// which is then O(1) too. Memory: 4 bytes per neighbour in the list, plus 16 to 32 bytes per
// neighbour of a hub. Nothing iterates over the table (the order agents see is the list's).
//
// With thousands of agents a step reads every agent's Neighbours several times (its views'
// snapshot, its own walk over its neighbours), each time after the rest of the step has evicted
// it. So a Neighbours is one cache line (alignas(64)), and an agent with at most kInline
// neighbours (a trader of a market with two or three makers, a customer of one shop) also keeps
// them in that line: range() and find() then read no other memory, where the list's own heap
// block would cost a second cache miss per read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "phantom/message.hpp"

namespace phantom {

/// Agent indices in a row, read in place (the neighbours of an agent: Neighbours::range()).
class AgentRange {
 public:
  AgentRange(const AgentIndex* first, std::size_t size) : first_(first), size_(size) {}
  const AgentIndex* begin() const { return first_; }
  const AgentIndex* end() const { return first_ + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  AgentIndex operator[](std::size_t k) const { return first_[k]; }

 private:
  const AgentIndex* first_;
  std::size_t size_;
};

/// The neighbours of one agent: a list in connection order, without repeats, and where in it
/// each neighbour is.
class alignas(64) Neighbours {
 public:
  /// Agents with more neighbours than this also keep a table of them (they are hubs).
  static constexpr std::size_t kScanLimit = 8;
  /// Agents with at most this many neighbours also keep them inside the object.
  static constexpr std::size_t kInline = 3;

  /// The neighbours in connection order.
  const std::vector<AgentIndex>& list() const { return list_; }
  /// The same neighbours, read from inside this object when there are at most kInline of them.
  AgentRange range() const {
    return AgentRange(list_.size() <= kInline ? inline_ : list_.data(), list_.size());
  }
  /// The position of `agent` in list(), or -1 if it is not a neighbour: a scan of at most
  /// kScanLimit entries, one load, or about one probe.
  int32_t find(AgentIndex agent) const {
    if (table_.empty()) {
      const AgentRange neighbours = range();
      for (std::size_t k = 0; k < neighbours.size(); ++k)
        if (neighbours[k] == agent) return static_cast<int32_t>(k);
      return -1;
    }
    if (direct_first_ != kHashed) {
      const uint32_t i = static_cast<uint32_t>(agent) - static_cast<uint32_t>(direct_first_);
      return i < table_.size() ? table_[i].position : -1;  // a free slot holds -1
    }
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = slot_of(agent);; i = (i + 1) & mask) {
      const Slot& slot = table_[i];
      if (slot.agent == kEmpty) return -1;  // tested first: an index of -1 is never a neighbour
      if (slot.agent == agent) return slot.position;
    }
  }
  bool contains(AgentIndex agent) const { return find(agent) >= 0; }
  /// Whether this agent keeps a table (it has, or once had, more than kScanLimit neighbours).
  bool has_table() const { return !table_.empty(); }
  /// Appends `agent` to the list unless it is there already; returns whether it was added.
  bool insert(AgentIndex agent);
  /// Removes every neighbour, keeping the memory (a stochastic network redraws its connections
  /// at every reset).
  void clear();

 private:
  static constexpr AgentIndex kEmpty = -1;
  // direct_first_ of a hashed table (never the first index of a direct one: that is at least
  // minus the table's size).
  static constexpr int32_t kHashed = INT32_MIN;
  struct Slot {
    AgentIndex agent;  // kEmpty: a free slot
    int32_t position;  // in list_; -1 in a free slot
  };
  // Fibonacci hashing: the top log2(table size) bits of the index times 2^32 / golden ratio,
  // which spreads consecutive indices evenly over the table.
  std::size_t slot_of(AgentIndex agent) const {
    const uint32_t h = static_cast<uint32_t>(agent) * 2654435769u;
    return static_cast<std::size_t>((static_cast<uint64_t>(h) * table_.size()) >> 32);
  }
  // Makes the table `slots` long (a power of two, at least twice the list), direct if the list's
  // indices span no more than `slots`, else hashed, and fills it from the list.
  void rebuild(std::size_t slots);
  // Enters list_[position] into the table; false if the table is direct and the agent lies
  // outside its span (the table must be rebuilt).
  bool put(std::size_t position);

  std::vector<AgentIndex> list_;
  std::vector<Slot> table_;         // empty while the list is short enough to scan
  int32_t direct_first_ = kHashed;  // the agent of a direct table's slot 0
  AgentIndex inline_[kInline]{};    // list_'s entries while it has at most kInline
};

static_assert(sizeof(Neighbours) == 64, "a Neighbours should stay one cache line");

}  // namespace phantom
