// TrajectoryBuilder: one agent's rows as the worker records them, before they become a batch.
//
// The worker learns a transition in two halves. When the agent acts it knows the observation, the
// action and what the policy said about it (log-probability, value estimate); only after the env
// steps does it learn the reward, the next observation and whether the agent is done. Until then
// the row is *open*. Closed rows wait until the worker cuts them into a trajectory piece (at the
// end of a fragment or of the episode), which postprocessing and training read column by column.
//
// The builder keeps only what a row cannot be rebuilt from, with room kept ahead: the observation,
// next observation and action as columns in one block, and each row's reward, end flags,
// log-probability, value estimate and step as one small record. Recording a row is one capacity
// check and a store per value; cutting is one block copy per column and one pass over the records.
// The rest of a standard row is derived when rows are cut, so it costs nothing per step and no
// cache lines while the episode runs: the previous action and reward are the row before's action
// and reward (the first row's come from before the cut), the action probability is exp of the
// log-probability, and the episode id and agent index are the same in every row (a builder holds
// one episode's rows: the worker cuts them all when it ends).
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
  // The columns are pointers into the builder's own storage, so a copy re-points them.
  TrajectoryBuilder(const TrajectoryBuilder& other);
  TrajectoryBuilder& operator=(const TrajectoryBuilder& other);
  TrajectoryBuilder(TrajectoryBuilder&&) noexcept = default;  // the storage moves with them
  TrajectoryBuilder& operator=(TrajectoryBuilder&&) noexcept = default;

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
    if (rows_ == 0) {
      eps_id_ = eps_id;
      agent_index_ = agent_index;
    } else if (eps_id != eps_id_ || agent_index != agent_index_) {
      throw_other_episode(eps_id, agent_index);
    }
    const int64_t r = rows_;
    copy_values(obs, obs_size_, obs_ + r * obs_size_);
    copy_values(action, action_size_, actions_ + r * action_size_);
    RowScalars& row = scalars_[static_cast<std::size_t>(r)];
    row.logp = logp;
    row.vf = vf;
    row.t = t;
    // The reward adds up in open_reward_ (in this object, not in a line the env step may have
    // evicted); it, new_obs and the end flags are written when the row closes (to_batch writes
    // the reward so far and zeroes the rest while the row is open).
    open_reward_ = 0.0f;
    ++rows_;
    open_ = true;
  }

  /// Adds `r` to the open row's reward (an agent can be rewarded several times per row).
  void add_reward(float r) { open_reward_ += r; }

  /// Closes the open row: the agent's next observation (or the last it saw) and its end flags.
  /// The row's reward becomes the previous reward of the next row.
  void close_row(const float* new_obs, bool terminated, bool truncated) {
    const int64_t r = rows_ - 1;
    copy_values(new_obs, obs_size_, new_obs_ + r * obs_size_);
    RowScalars& row = scalars_[static_cast<std::size_t>(r)];
    row.reward = open_reward_;
    row.terminated = terminated ? 1.0f : 0.0f;
    row.truncated = truncated ? 1.0f : 0.0f;
    open_ = false;
  }

  /// Writes the first `rows` rows into `out`, resized to `rows` rows, with action_prob =
  /// exp(action_logp) computed for all of them in one vectorised pass. `out` must begin with the
  /// standard columns of this builder's sizes, as SampleBatch::with_standard_columns makes them;
  /// any further columns are zero in these rows. The rows stay in the builder.
  void write_rows(int64_t rows, SampleBatch& out) const;
  /// The same rows written after the rows `out` already holds (it grows by `rows`).
  void append_rows(int64_t rows, SampleBatch& out) const;
  /// Drops the first `rows` rows (after they were written out); an open row stays.
  void erase_front(int64_t rows);

  /// The previous action the next row will record: the last recorded action.
  std::vector<float> prev_action() const;
  /// The reward of the last closed row: the previous reward of the row that follows it.
  float prev_reward() const;

  /// Every row, the open one included, as a batch with the standard columns (for checkpoints).
  SampleBatch to_batch() const;
  /// Restores rows saved by to_batch, the open flag and the previous action and reward. The
  /// batch must have this builder's standard columns and hold what a builder can hold: one
  /// episode's rows whose derived columns agree with the rest, ending in `prev_action` and
  /// `prev_reward`. Otherwise a FormatError names `what` and the first disagreement.
  void restore(const SampleBatch& rows, bool open, const std::vector<float>& prev_action,
               float prev_reward, const std::string& what);

 private:
  void grow();  // doubles the room of every column
  // Points the column pointers into block_, for a room of `capacity` rows.
  void place_columns(int64_t capacity);
  [[noreturn]] void throw_other_episode(int64_t eps_id, int64_t agent_index) const;
  // Throws unless `rows` rows exist and `out` begins with this builder's standard columns.
  void check_rows_fit(int64_t rows, const SampleBatch& out, const char* caller) const;
  // Writes the first `rows` rows into rows [first, first + rows) of `out`, already that large.
  void write_rows_at(int64_t rows, SampleBatch& out, int64_t first) const;

  // A row's scalars, kept together: a step writes one record, not a line in each of six columns.
  struct RowScalars {
    int64_t t = 0;
    float reward = 0.0f, logp = 0.0f, vf = 0.0f, terminated = 0.0f, truncated = 0.0f;
  };

  int64_t obs_size_ = 0, action_size_ = 0;
  // The observation, next observation and action columns, each `capacity_` rows long, one after
  // the other in one block (cut with one block copy each); the scalars, one record per row.
  std::vector<float> block_;
  std::vector<RowScalars> scalars_;
  float *obs_ = nullptr, *new_obs_ = nullptr, *actions_ = nullptr;
  int64_t capacity_ = 0, rows_ = 0;
  bool open_ = false;
  float open_reward_ = 0.0f;              // the open row's reward so far
  int64_t eps_id_ = 0, agent_index_ = 0;  // of every row
  // What the first row records as its previous action and reward: zeros at an episode's start,
  // the last cut row's action and reward after a cut.
  std::vector<float> first_prev_action_;
  float first_prev_reward_ = 0.0f;
};

}  // namespace phantom
