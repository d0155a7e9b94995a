// Rollouts as the entries of one state dict, so that a run of them can travel between ranks
// inside a message (mpi/message.hpp) and come out exactly as they went in: every float and
// double keeps its bits, every optional entry its presence.
//
//   phantom::mpi::RolloutPacker packer;
//   packer.add(rollout);                     // any number of rollouts, each copied in at once
//   nn::StateDict body;
//   packer.put(body);
//   ...
//   phantom::mpi::RolloutUnpacker unpacker(body);
//   while (!unpacker.done()) sink(unpacker.next());
//
// Column by column. The rollouts are not one group of entries each but share a fixed set of
// entries, each the concatenation of one field over all of them (every rollout's flags, then
// every rollout's observations...), with per-rollout counts where a field's length varies. A
// message of 32 rollouts is then 31 entries, not 30 per rollout: the state-dict decoder's
// work per entry (its name, its checks) is paid once per message.
//
// The entries (all described in docs/DISTRIBUTED.md):
//   count                                 the number of rollouts
//   ids, repeats, seeds                   per rollout (the seed's 64 bits as they are)
//   param_counts, param_names, param_values              the grid points
//   agent_counts, agents, observation_sizes, action_sizes
//   step_counts                           steps per rollout
//   stage_name_counts, stage_names, stages    each rollout's stage names once, then per step
//                                         the index of its stage among them (u32)
//   flags                                 one byte per step and agent: which entries exist
//   observations, actions, rewards        the entries that exist, step by step, agent by agent
//   info_sizes, info_keys, info_values    the infos that exist, item by item
//   message_step_counts, message_steps, messages    per rollout the number of steps whose
//                                         messages were recorded; (step, count) of each; then
//                                         4 strings per message
//   metric_counts, metric_names, metric_flags, metric_values, metric_list_sizes, metric_lists
// Floats are 4 bytes each of their IEEE 754 bits, little-endian, in a string entry; a list of
// strings is one string entry of (u32 length, bytes) pairs; ints and doubles use the state
// dict's packed arrays.
//
// Not stored: Rollout::env_config. It is the runner's config at the rollout's grid point, which
// the receiving rank knows as well as the sender (RolloutRunner::config_at), and an env config
// can hold values that have no byte form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/rollout.hpp"
#include "nn/serialize.hpp"

namespace phantom::mpi {

/// Collects rollouts (all but env_config) into the columns above.
class RolloutPacker {
 public:
  /// Appends `rollout`'s fields to the columns (the rollout itself is not kept).
  void add(const Rollout& rollout);
  /// Rollouts added so far.
  std::size_t size() const { return count_; }
  /// Writes the columns into `dict` under the names above (replacing entries of those names).
  void put(nn::StateDict& dict) const;

 private:
  std::size_t count_ = 0;
  std::vector<int64_t> ids_, repeats_, seeds_, param_counts_, agent_counts_, observation_sizes_,
      action_sizes_, step_counts_, stage_name_counts_, info_sizes_, message_step_counts_,
      message_steps_, metric_counts_, metric_list_sizes_;
  std::vector<double> rewards_, info_values_, metric_values_, metric_lists_;
  std::string param_names_, param_values_, agents_, stage_names_, stages_, flags_, observations_,
      actions_, info_keys_, messages_, metric_names_, metric_flags_;
};

/// Reads the rollouts a RolloutPacker put into a state dict back, in the order they were added.
class RolloutUnpacker {
 public:
  /// Reads the columns of `dict` (which must outlive the unpacker). Throws phantom::FormatError
  /// naming the entry (and the dict's source) if one is missing or of another kind.
  explicit RolloutUnpacker(const nn::StateDict& dict);
  /// A temporary dict would be gone before the first next().
  explicit RolloutUnpacker(nn::StateDict&& dict) = delete;
  ~RolloutUnpacker();
  RolloutUnpacker(const RolloutUnpacker&) = delete;
  RolloutUnpacker& operator=(const RolloutUnpacker&) = delete;

  /// The number of rollouts (the `count` entry).
  std::size_t size() const { return count_; }
  /// Whether every rollout was read.
  bool done() const { return read_ == count_; }
  /// Reads the next rollout into `out`, every field but env_config, which is left as it was.
  /// Reuses `out`'s buffers (Rollout::set_agents), which makes decoding a run of rollouts into
  /// one Rollout several times faster than into fresh ones. Throws phantom::FormatError naming
  /// the column if one runs short or disagrees with the others, or if there is no rollout left;
  /// after the last rollout, also if a column holds more than the rollouts used.
  void next(Rollout& out);
  /// The next rollout as a new object (env_config empty); see next(Rollout&).
  Rollout next();

 private:
  struct Columns;
  std::unique_ptr<Columns> columns_;
  std::size_t count_ = 0, read_ = 0;
};

}  // namespace phantom::mpi
