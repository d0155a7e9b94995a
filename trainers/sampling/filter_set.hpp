// FilterSet: a sampling worker's observation filters, one per policy, and the protocol that
// keeps the workers' filters in agreement with the driver's.
//
// Each worker filters what its envs observe with its own copies and updates them as it goes;
// left alone, the copies would drift apart and every worker would feed its policies differently
// scaled inputs. After each training step the driver therefore
//   1. takes a snapshot of each worker's filters and clears the worker's buffers (the buffer is
//      what that worker observed since the previous snapshot: its delta);
//   2. merges the delta of every snapshot into its own filters, worker by worker;
//   3. (broadcast) overwrites every worker's filters with a copy of its own.
// No observation is ever counted twice: each one is pushed into exactly one worker's buffer,
// that buffer is cleared in the same step that copies it into a snapshot, and only buffers are
// merged (a worker's full statistics, which after step 3 include everyone's data, never are).
// One loss remains, as in RLlib: a worker that samples in the background while this runs keeps
// pushing between steps 1 and 3, and step 3 overwrites those observations before any snapshot
// has carried them to the driver.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/serialize.hpp"
#include "trainers/sampling/observation_filter.hpp"

namespace phantom {

/// Deep copies of a FilterSet's filters (buffers included), by policy id.
using FilterSnapshot = std::map<std::string, std::unique_ptr<ObservationFilter>>;

/// The observation filters of one worker (or of the driver), one per policy id.
class FilterSet {
 public:
  /// Adds the filter of `policy_id`. Throws ConfigError naming the id if it already has one or
  /// `filter` is null.
  void add(const std::string& policy_id, std::unique_ptr<ObservationFilter> filter);
  /// The filter of `policy_id`; throws ConfigError naming the id (and the known ids) if absent.
  ObservationFilter& get(const std::string& policy_id);
  const ObservationFilter& get(const std::string& policy_id) const;
  /// The filters by policy id, in sorted order.
  const std::map<std::string, std::unique_ptr<ObservationFilter>>& filters() const {
    return filters_;
  }
  /// True if every filter is a NoFilter (or there are none): synchronising has nothing to do.
  bool only_no_filters() const;

  /// A deep copy of every filter. With `flush_after`, each live filter's buffer is cleared as
  /// it is copied (atomically for a concurrent filter), so the snapshot holds the delta.
  FilterSnapshot snapshot(bool flush_after);
  /// Overwrites the filter of each policy id in `snapshot` with the snapshot's (see
  /// ObservationFilter::sync). Throws ConfigError naming an id this set does not have.
  void sync(const FilterSnapshot& snapshot);
  /// Merges the buffer of each filter in `snapshot` into this set's filter of that policy id
  /// (see ObservationFilter::apply_changes). Throws ConfigError naming an unknown id.
  void apply_changes(const FilterSnapshot& snapshot, bool with_buffer);

  /// Saves every filter under "<prefix>.<policy id>", and their number under "<prefix>.count".
  void save(nn::StateDict& out, const std::string& prefix) const;
  /// Restores every filter of this set from "<prefix>.<policy id>". Throws FormatError naming
  /// the prefix if the saved set has another number of filters, and as ObservationFilter::load
  /// (the filters before the one that failed are then already restored).
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  std::map<std::string, std::unique_ptr<ObservationFilter>> filters_;
};

/// The driver's side of the protocol above: for each worker in order, snapshot its filters with
/// flush and merge the snapshot's deltas into `driver`; then, if `broadcast`, sync every worker
/// to a copy of the driver's filters (buffers included: the driver's own buffer, normally empty
/// because the driver does not sample, is copied too, as in RLlib). Does nothing if every
/// filter of the driver and the workers is a NoFilter. `workers` must not be null or `driver`.
/// Throws as FilterSet::apply_changes / sync if the sets do not match.
void synchronize_filters(FilterSet& driver, const std::vector<FilterSet*>& workers,
                         bool broadcast = true);

}  // namespace phantom
