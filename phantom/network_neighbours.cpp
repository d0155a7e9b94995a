// Neighbours: adding neighbours, and the table of a hub (lookups are inline in the header).
#include "phantom/network_neighbours.hpp"

#include <algorithm>

namespace phantom {

bool Neighbours::insert(AgentIndex agent) {
  if (contains(agent)) return false;
  list_.push_back(agent);
  if (list_.size() <= kInline) inline_[list_.size() - 1] = agent;
  if (table_.empty() && list_.size() <= kScanLimit) return true;
  if (2 * list_.size() > table_.size()) {
    rebuild(std::max(2 * table_.size(), 4 * kScanLimit));  // doubles: O(1) amortised per insert
  } else if (!put(list_.size() - 1)) {
    rebuild(table_.size());  // outside the direct table's span: re-centre it, or hash
  }
  return true;
}

void Neighbours::clear() {
  list_.clear();
  std::fill(table_.begin(), table_.end(), Slot{kEmpty, -1});
}

void Neighbours::rebuild(std::size_t slots) {
  table_.assign(slots, Slot{kEmpty, -1});
  const auto [lo, hi] = std::minmax_element(list_.begin(), list_.end());
  const int64_t span = static_cast<int64_t>(*hi) - *lo + 1;
  const auto size = static_cast<int64_t>(slots);
  // Direct if the span fits, with the spare slots split on both sides, so that neighbours added
  // later just below or above the span rarely force another rebuild.
  direct_first_ = span <= size ? static_cast<int32_t>(*lo - (size - span) / 2) : kHashed;
  for (std::size_t k = 0; k < list_.size(); ++k) put(k);
}

bool Neighbours::put(std::size_t position) {
  const AgentIndex agent = list_[position];
  const Slot slot{agent, static_cast<int32_t>(position)};
  if (direct_first_ != kHashed) {
    const uint32_t i = static_cast<uint32_t>(agent) - static_cast<uint32_t>(direct_first_);
    if (i >= table_.size()) return false;
    table_[i] = slot;
    return true;
  }
  const std::size_t mask = table_.size() - 1;
  std::size_t i = slot_of(agent);
  while (table_[i].agent != kEmpty) i = (i + 1) & mask;
  table_[i] = slot;
  return true;
}

}  // namespace phantom
