// Message queue growth and payload type numbering.
#include "phantom/message.hpp"

#include <atomic>

namespace phantom {

namespace detail {
uint32_t next_payload_index() {
  static std::atomic<uint32_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace detail

void MessageQueue::grow(std::size_t needed) {
  bytes_.resize(std::max(2 * bytes_.size(), needed + 256));
}

}  // namespace phantom
