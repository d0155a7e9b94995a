// FilterSet and the driver's filter synchronisation.
#include "trainers/sampling/filter_set.hpp"

#include "nn/error.hpp"

namespace phantom {

void FilterSet::add(const std::string& policy_id, std::unique_ptr<ObservationFilter> filter) {
  if (filter == nullptr) {
    throw ConfigError("FilterSet::add: the filter of policy '" + policy_id + "' is null");
  }
  if (filters_.count(policy_id) != 0) {
    throw ConfigError("FilterSet::add: policy '" + policy_id + "' already has a filter");
  }
  filters_.emplace(policy_id, std::move(filter));
}

ObservationFilter& FilterSet::get(const std::string& policy_id) {
  return const_cast<ObservationFilter&>(static_cast<const FilterSet&>(*this).get(policy_id));
}

const ObservationFilter& FilterSet::get(const std::string& policy_id) const {
  auto it = filters_.find(policy_id);
  if (it == filters_.end()) {
    std::string known;
    for (const auto& entry : filters_) known += (known.empty() ? "'" : ", '") + entry.first + "'";
    throw ConfigError("no observation filter for policy '" + policy_id +
                      "'; the filters are for: " + (known.empty() ? "(none)" : known));
  }
  return *it->second;
}

bool FilterSet::only_no_filters() const {
  for (const auto& entry : filters_) {
    if (dynamic_cast<const NoFilter*>(entry.second.get()) == nullptr) return false;
  }
  return true;
}

FilterSnapshot FilterSet::snapshot(bool flush_after) {
  FilterSnapshot out;
  for (auto& entry : filters_) {
    out.emplace(entry.first,
                flush_after ? entry.second->copy_and_clear_buffer() : entry.second->copy());
  }
  return out;
}

void FilterSet::sync(const FilterSnapshot& snapshot) {
  for (const auto& entry : snapshot) get(entry.first).sync(*entry.second);
}

void FilterSet::apply_changes(const FilterSnapshot& snapshot, bool with_buffer) {
  for (const auto& entry : snapshot) get(entry.first).apply_changes(*entry.second, with_buffer);
}

void FilterSet::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".count", static_cast<int64_t>(filters_.size()));
  for (const auto& entry : filters_) entry.second->save(out, prefix + "." + entry.first);
}

void FilterSet::load(const nn::StateDict& in, const std::string& prefix) {
  const int64_t saved = in.get_int(prefix + ".count");
  if (saved != static_cast<int64_t>(filters_.size())) {
    throw FormatError(in.source() + ": " + prefix + ": " + std::to_string(saved) +
                      " filters were saved, this set has " + std::to_string(filters_.size()));
  }
  for (auto& entry : filters_) entry.second->load(in, prefix + "." + entry.first);
}

void synchronize_filters(FilterSet& driver, const std::vector<FilterSet*>& workers,
                         bool broadcast) {
  bool any_filtering = !driver.only_no_filters();
  for (const FilterSet* worker : workers)
    any_filtering = any_filtering || !worker->only_no_filters();
  if (!any_filtering) return;

  for (FilterSet* worker : workers) driver.apply_changes(worker->snapshot(true), false);
  if (!broadcast) return;
  const FilterSnapshot merged = driver.snapshot(false);
  for (FilterSet* worker : workers) worker->sync(merged);
}

}  // namespace phantom
