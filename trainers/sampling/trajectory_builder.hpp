// TrajectoryBuilder: one agent's rows as the worker records them, before they become a batch.
//
// The worker learns a transition in two halves. When the agent acts it knows the observation, the
// action and what the policy said about it (log-probability, value estimate); only after the env
// steps does it learn the reward, the next observation and whether the agent is done. Until then
// the row is *open*. Closed rows wait until the worker cuts them into a trajectory piece (at the
// end of a fragment or of the episode), which postprocessing and training read column by column.
//
// The builder stores the standard columns (sample_batch.hpp) the way a batch does, one array per
// column, but with room kept ahead: recording a row is one capacity check and a store per value,
// and cutting is one block copy per column. The builder also remembers the episode's previous
// action and reward, which every row records beside its own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "trainers/sampling/copy_values.hpp"
#include "trainers/sampling/sample_batch.hpp"

namespace phantom {

/// One agent's transitions since the last cut; the last row may still be open.
class TrajectoryBuilder {
 public:
  TrajectoryBuilder() = default;
  /// A builder for an agent with `obs_size` observation values and `action_size` action values.
  TrajectoryBuilder(int64_t obs_size, int64_t action_size);

  int64_t obs_size() const { return obs_size_; }
  int64_t action_size() const { return action_size_; }
  /// Rows recorded since the last cut, the open one included.
  int64_t size() const { return rows_; }
  /// Rows that are closed (ready to be cut).
  int64_t closed() const { return open_ ? rows_ - 1 : rows_; }
  /// True while the last row awaits its reward and next observation.
  bool open() const { return open_; }

  /// Forgets every row and the previous action and reward: a new episode starts.
  void start_episode();

  /// Opens a row: the agent saw `obs` and took `action` in step `t` of episode `eps_id`; the
  /// policy gave the action log-probability `logp` and value estimate `vf`. The row records the
  /// previous action and reward, and `action` becomes the previous action of the next row.
  void open_row(const float* obs, const float* action, float logp, float vf, int64_t eps_id,
                int64_t agent_index, int64_t t) {
    if (rows_ == capacity_) grow();
    const int64_t r = rows_;
    copy_values(obs, obs_size_, f32(standard_column::obs) + r * obs_size_);
    copy_values(action, action_size_, f32(standard_column::actions) + r * action_size_);
    copy_values(prev_action_.data(), action_size_,
                f32(standard_column::prev_actions) + r * action_size_);
    f32(standard_column::rewards)[r] = 0.0f;
    f32(standard_column::prev_rewards)[r] = prev_reward_;
    f32(standard_column::action_logp)[r] = logp;  // action_prob follows when the rows are cut
    f32(standard_column::vf_preds)[r] = vf;
    i64(standard_column::eps_id)[r] = eps_id;
    i64(standard_column::agent_index)[r] = agent_index;
    i64(standard_column::t)[r] = t;
    // new_obs and the end flags are written when the row closes (to_batch zeroes them while open).
    copy_values(action, action_size_, prev_action_.data());
    ++rows_;
    open_ = true;
  }

  /// Adds `r` to the open row's reward (an agent can be rewarded several times per row).
  void add_reward(float r) { f32(standard_column::rewards)[rows_ - 1] += r; }

  /// Closes the open row: the agent's next observation (or the last it saw) and its end flags.
  /// The row's reward becomes the previous reward of the next row.
  void close_row(const float* new_obs, bool terminated, bool truncated) {
    const int64_t r = rows_ - 1;
    copy_values(new_obs, obs_size_, f32(standard_column::new_obs) + r * obs_size_);
    f32(standard_column::terminateds)[r] = terminated ? 1.0f : 0.0f;
    f32(standard_column::truncateds)[r] = truncated ? 1.0f : 0.0f;
    prev_reward_ = f32(standard_column::rewards)[r];
    open_ = false;
  }

  /// Writes the first `rows` rows into `out`, resized to `rows` rows, with action_prob =
  /// exp(action_logp) computed for all of them in one vectorised pass. `out` must begin with the
  /// standard columns of this builder's sizes, as SampleBatch::with_standard_columns makes them;
  /// any further columns are zero in these rows. The rows stay in the builder.
  void write_rows(int64_t rows, SampleBatch& out) const;
  /// Drops the first `rows` rows (after they were written out); an open row stays.
  void erase_front(int64_t rows);

  /// The previous action and reward the next row will record.
  const std::vector<float>& prev_action() const { return prev_action_; }
  float prev_reward() const { return prev_reward_; }

  /// Every row, the open one included, as a batch with the standard columns (for checkpoints).
  SampleBatch to_batch() const;
  /// Restores rows saved by to_batch, the open flag and the previous action and reward; the
  /// batch must have this builder's standard columns (a FormatError names `what` otherwise).
  void restore(const SampleBatch& rows, bool open, const std::vector<float>& prev_action,
               float prev_reward, const std::string& what);

 private:
  // One standard column: `width` values per row, as floats or ints (by the column's type).
  struct Column {
    int64_t width = 1;
    ColumnType type = ColumnType::float32;
    std::vector<float> floats;
    std::vector<int64_t> ints;
  };
  float* f32(SampleBatch::Handle h) { return columns_[static_cast<std::size_t>(h)].floats.data(); }
  int64_t* i64(SampleBatch::Handle h) { return columns_[static_cast<std::size_t>(h)].ints.data(); }
  void grow();  // doubles the room of every column

  int64_t obs_size_ = 0, action_size_ = 0;
  std::vector<Column> columns_;  // by standard column handle; each holds capacity_ rows
  int64_t capacity_ = 0, rows_ = 0;
  bool open_ = false;
  std::vector<float> prev_action_;
  float prev_reward_ = 0.0f;
};

}  // namespace phantom
