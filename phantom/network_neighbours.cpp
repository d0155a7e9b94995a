// Neighbours: adding neighbours, and the table of a hub (lookups are inline in the header).
#include "phantom/network_neighbours.hpp"

#include <algorithm>

namespace phantom {

bool Neighbours::insert(AgentIndex agent) {
  if (contains(agent)) return false;
  list_.push_back(agent);
  if (table_.empty() && list_.size() <= kScanLimit) return true;
  if (2 * list_.size() > table_.size()) {
    rebuild(std::max(2 * table_.size(), 4 * kScanLimit));  // doubles: O(1) amortised per insert
  } else {
    put(list_.size() - 1);
  }
  return true;
}

void Neighbours::clear() {
  list_.clear();
  std::fill(table_.begin(), table_.end(), Slot{kEmpty, -1});
}

void Neighbours::rebuild(std::size_t slots) {
  table_.assign(slots, Slot{kEmpty, -1});
  shift_ = 32;
  for (std::size_t s = slots; s > 1; s /= 2) --shift_;
  for (std::size_t k = 0; k < list_.size(); ++k) put(k);
}

void Neighbours::put(std::size_t position) {
  const AgentIndex agent = list_[position];
  const std::size_t mask = table_.size() - 1;
  std::size_t i = slot_of(agent);
  while (table_[i].agent != kEmpty) i = (i + 1) & mask;
  table_[i] = Slot{agent, static_cast<int32_t>(position)};
}

}  // namespace phantom
