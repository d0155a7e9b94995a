// AgentArena: handing out memory in order.
#include "phantom/agent_arena.hpp"

#include <algorithm>
#include <cstdint>

namespace phantom {

void* AgentArena::allocate(std::size_t bytes, std::size_t align) {
  auto aligned = [align](unsigned char* p) {
    const auto address = reinterpret_cast<std::uintptr_t>(p);
    return p + ((align - address % align) % align);
  };
  unsigned char* p = next_ ? aligned(next_) : nullptr;
  if (!p || p > end_ || static_cast<std::size_t>(end_ - p) < bytes) {
    // A new block, large enough for this request at any alignment. The rest of the old block
    // stays unused.
    const std::size_t size = std::max(kBlockSize, bytes + align);
    blocks_.emplace_back(static_cast<unsigned char*>(::operator new(size)));
    next_ = blocks_.back().get();
    end_ = next_ + size;
    p = aligned(next_);
  }
  next_ = p + bytes;
  return p;
}

}  // namespace phantom
