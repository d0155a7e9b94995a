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
// So each sender answers from data of its own, small for most agents and hot for hubs:
// - an agent with at most kScanLimit neighbours (8 indices, 32 bytes) scans its list. Most agents
//   have a few neighbours, and they need nothing more than the list. A probe of the table costs
//   about as many instructions as a scan of 4 entries, the average for 8;
// - an agent with more keeps, besides the list, an open-addressed table of its neighbours'
//   indices and positions in the list (Fibonacci hashing, linear probing, at most half full):
//   about one probe, in a table that stays in cache because its owner sends often.
// The position serves the other per-neighbour lookup, the view a neighbour showed (Context::view),
// which is then O(1) too. Memory: 4 bytes per neighbour in the list, plus 16 to 32 bytes per
// neighbour of a hub. Nothing iterates over the table (the order agents see is the list's), so
// its layout decides nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "phantom/message.hpp"

namespace phantom {

/// The neighbours of one agent: a list in connection order, without repeats, and where in it
/// each neighbour is.
class Neighbours {
 public:
  /// Agents with more neighbours than this also keep a hash table of them.
  static constexpr std::size_t kScanLimit = 8;

  /// The neighbours in connection order.
  const std::vector<AgentIndex>& list() const { return list_; }
  /// The position of `agent` in list(), or -1 if it is not a neighbour: a scan of at most
  /// kScanLimit entries, or about one probe.
  int32_t find(AgentIndex agent) const {
    if (table_.empty()) {
      for (std::size_t k = 0; k < list_.size(); ++k)
        if (list_[k] == agent) return static_cast<int32_t>(k);
      return -1;
    }
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = slot_of(agent);; i = (i + 1) & mask) {
      const Slot& slot = table_[i];
      if (slot.agent == kEmpty) return -1;  // tested first: an index of -1 is never a neighbour
      if (slot.agent == agent) return slot.position;
    }
  }
  bool contains(AgentIndex agent) const { return find(agent) >= 0; }
  /// Appends `agent` to the list unless it is there already; returns whether it was added.
  bool insert(AgentIndex agent);
  /// Removes every neighbour, keeping the memory (a stochastic network redraws its connections
  /// at every reset).
  void clear();

 private:
  static constexpr AgentIndex kEmpty = -1;
  struct Slot {
    AgentIndex agent;  // kEmpty: a free slot
    int32_t position;  // in list_
  };
  // Fibonacci hashing: the top bits of the index times 2^32 / golden ratio, which spreads
  // consecutive indices (a hub's customers) evenly over the table.
  std::size_t slot_of(AgentIndex agent) const {
    return (static_cast<uint32_t>(agent) * 2654435769u) >> shift_;
  }
  // Makes the table `slots` long (a power of two, at least twice the list) and fills it from the
  // list.
  void rebuild(std::size_t slots);
  // Enters list_[position] into the table.
  void put(std::size_t position);

  std::vector<AgentIndex> list_;
  std::vector<Slot> table_;  // empty while the list is short enough to scan
  uint32_t shift_ = 32;      // 32 - log2(table_.size())
};

}  // namespace phantom
