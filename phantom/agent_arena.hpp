// AgentArena: where Network::emplace puts its agents, one after the other in large blocks.
//
// A step walks every agent several times (acting, message delivery, observation), so with
// thousands of agents how far apart they lie matters. Allocated one by one, an agent sits among
// everything its constructor allocated next (its supertype, samplers, the lists its connections
// grew): in the market example 1.7 KB from one trader to the next, so that each pass over 10,000
// traders touched 17 MB in 4,200 pages, more than the processor's address-translation cache
// holds. From an arena the agents lie back to back (384 bytes apart there), and a pass touches
// 4.5 times fewer pages.
//
// Agents are never removed from a network, so the arena never frees a single agent's memory: it
// frees all of it when the last agent allocated from it is destroyed (each agent's shared_ptr
// control block holds the arena through its allocator, so agents shared with another network,
// such as a subnet's, keep it alive).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace phantom {

/// Memory handed out in order from blocks of at least kBlockSize bytes; freed all at once.
class AgentArena {
 public:
  /// The usual size of a block (a larger request gets a block of its own).
  static constexpr std::size_t kBlockSize = 64 * 1024;

  AgentArena() = default;
  AgentArena(const AgentArena&) = delete;
  AgentArena& operator=(const AgentArena&) = delete;

  /// `bytes` bytes aligned to `align` (a power of two), after the last allocation if they fit.
  void* allocate(std::size_t bytes, std::size_t align);

 private:
  struct FreeBlock {
    void operator()(unsigned char* block) const { ::operator delete(block); }
  };
  std::vector<std::unique_ptr<unsigned char, FreeBlock>> blocks_;
  unsigned char* next_ = nullptr;  // free space of the newest block: [next_, end_)
  unsigned char* end_ = nullptr;
};

/// A standard allocator over a shared AgentArena (for std::allocate_shared). Deallocation does
/// nothing: the memory goes back when the arena is destroyed.
template <class T>
class ArenaAllocator {
 public:
  using value_type = T;

  explicit ArenaAllocator(std::shared_ptr<AgentArena> arena) : arena_(std::move(arena)) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) : arena_(other.arena()) {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    return static_cast<T*>(arena_->allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T*, std::size_t) {}
  const std::shared_ptr<AgentArena>& arena() const { return arena_; }

  template <class U>
  bool operator==(const ArenaAllocator<U>& other) const {
    return arena_ == other.arena();
  }
  template <class U>
  bool operator!=(const ArenaAllocator<U>& other) const {
    return arena_ != other.arena();
  }

 private:
  std::shared_ptr<AgentArena> arena_;
};

}  // namespace phantom
