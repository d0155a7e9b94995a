#include "trainers/sampling/trajectory_builder.hpp"

#include <cstring>
#include <string>

#include "nn/error.hpp"
#include "nn/kernels/kernels.hpp"

namespace phantom {

namespace {

// The floats of one row kept in the column block: observation, next observation and action.
int64_t block_floats_per_row(int64_t obs_size, int64_t action_size) {
  return 2 * obs_size + action_size;
}

}  // namespace

TrajectoryBuilder::TrajectoryBuilder(int64_t obs_size, int64_t action_size)
    : obs_size_(obs_size), action_size_(action_size) {
  first_prev_action_.assign(static_cast<std::size_t>(action_size), 0.0f);
}

TrajectoryBuilder::TrajectoryBuilder(const TrajectoryBuilder& other) {
  *this = other;
}

TrajectoryBuilder& TrajectoryBuilder::operator=(const TrajectoryBuilder& other) {
  if (this == &other) return *this;
  obs_size_ = other.obs_size_;
  action_size_ = other.action_size_;
  block_ = other.block_;
  scalars_ = other.scalars_;
  capacity_ = other.capacity_;
  rows_ = other.rows_;
  open_ = other.open_;
  open_reward_ = other.open_reward_;
  eps_id_ = other.eps_id_;
  agent_index_ = other.agent_index_;
  first_prev_action_ = other.first_prev_action_;
  first_prev_reward_ = other.first_prev_reward_;
  place_columns(capacity_);
  return *this;
}

void TrajectoryBuilder::start_episode() {
  rows_ = 0;
  open_ = false;
  std::fill(first_prev_action_.begin(), first_prev_action_.end(), 0.0f);
  first_prev_reward_ = 0.0f;
}

void TrajectoryBuilder::place_columns(int64_t capacity) {
  float* next = block_.data();
  auto take = [&](int64_t width) {
    float* column = next;
    next += capacity * width;
    return column;
  };
  obs_ = take(obs_size_);
  new_obs_ = take(obs_size_);
  actions_ = take(action_size_);
}

void TrajectoryBuilder::grow() {
  const int64_t capacity = std::max<int64_t>(16, 2 * capacity_);
  // Each column moves to its place in the larger block; only the rows held are copied.
  std::vector<float> block(
      static_cast<std::size_t>(capacity * block_floats_per_row(obs_size_, action_size_)));
  const float* old_columns[] = {obs_, new_obs_, actions_};
  const int64_t widths[] = {obs_size_, obs_size_, action_size_};
  float* next = block.data();
  for (int c = 0; c < 3; ++c) {
    if (rows_ > 0) std::copy_n(old_columns[c], rows_ * widths[c], next);
    next += capacity * widths[c];
  }
  block_.swap(block);
  scalars_.resize(static_cast<std::size_t>(capacity));
  capacity_ = capacity;
  place_columns(capacity);
}

void TrajectoryBuilder::throw_other_episode(int64_t eps_id, int64_t agent_index) const {
  throw ValueError("TrajectoryBuilder::open_row: a row of episode " + std::to_string(eps_id) +
                   ", agent index " + std::to_string(agent_index) +
                   ", in a builder holding rows of episode " + std::to_string(eps_id_) +
                   ", agent index " + std::to_string(agent_index_) +
                   " (a builder holds one episode's rows of one agent)");
}

std::vector<float> TrajectoryBuilder::prev_action() const {
  if (rows_ == 0) return first_prev_action_;
  const float* last = actions_ + (rows_ - 1) * action_size_;
  return std::vector<float>(last, last + action_size_);
}

float TrajectoryBuilder::prev_reward() const {
  const int64_t last_closed = closed() - 1;
  return last_closed >= 0 ? scalars_[static_cast<std::size_t>(last_closed)].reward
                          : first_prev_reward_;
}

void TrajectoryBuilder::check_rows_fit(int64_t rows, const SampleBatch& out,
                                       const char* caller) const {
  if (rows < 0 || rows > rows_) {
    throw ValueError(std::string("TrajectoryBuilder::") + caller + ": " + std::to_string(rows) +
                     " rows asked of a builder holding " + std::to_string(rows_));
  }
  if (out.num_columns() < standard_column::count || out.width(standard_column::obs) != obs_size_ ||
      out.width(standard_column::actions) != action_size_) {
    throw ConfigError(std::string("TrajectoryBuilder::") + caller +
                      ": the batch does not begin with the standard columns for " +
                      std::to_string(obs_size_) + " observation and " +
                      std::to_string(action_size_) + " action values");
  }
}

void TrajectoryBuilder::write_rows(int64_t rows, SampleBatch& out) const {
  check_rows_fit(rows, out, "write_rows");
  out.resize_for_overwrite(rows);  // write_rows_at fills every column
  write_rows_at(rows, out, 0);
}

void TrajectoryBuilder::append_rows(int64_t rows, SampleBatch& out) const {
  check_rows_fit(rows, out, "append_rows");
  const int64_t first = out.size();
  out.resize_for_overwrite(first + rows);  // write_rows_at fills every column of the new rows
  write_rows_at(rows, out, first);
}

void TrajectoryBuilder::write_rows_at(int64_t rows, SampleBatch& out, int64_t first) const {
  namespace sc = standard_column;
  const auto n = static_cast<std::size_t>(rows);
  std::copy_n(obs_, n * static_cast<std::size_t>(obs_size_), out.f32(sc::obs) + first * obs_size_);
  std::copy_n(new_obs_, n * static_cast<std::size_t>(obs_size_),
              out.f32(sc::new_obs) + first * obs_size_);
  std::copy_n(actions_, n * static_cast<std::size_t>(action_size_),
              out.f32(sc::actions) + first * action_size_);
  float* rewards = out.f32(sc::rewards) + first;
  float* terminateds = out.f32(sc::terminateds) + first;
  float* truncateds = out.f32(sc::truncateds) + first;
  float* logp = out.f32(sc::action_logp) + first;
  float* vf_preds = out.f32(sc::vf_preds) + first;
  int64_t* t = out.i64(sc::t) + first;
  for (std::size_t r = 0; r < n; ++r) {
    const RowScalars& row = scalars_[r];
    rewards[r] = row.reward;
    terminateds[r] = row.terminated;
    truncateds[r] = row.truncated;
    logp[r] = row.logp;
    vf_preds[r] = row.vf;
    t[r] = row.t;
  }
  if (open_ && rows == rows_) rewards[rows - 1] = open_reward_;  // the open row's, so far
  // The derived columns.
  std::fill_n(out.i64(sc::eps_id) + first, n, eps_id_);
  std::fill_n(out.i64(sc::agent_index) + first, n, agent_index_);
  nn::kernels::exp(logp, out.f32(sc::action_prob) + first, rows);
  if (rows > 0) {
    float* prev_actions = out.f32(sc::prev_actions) + first * action_size_;
    std::copy(first_prev_action_.begin(), first_prev_action_.end(), prev_actions);
    std::copy_n(actions_, (n - 1) * static_cast<std::size_t>(action_size_),
                prev_actions + action_size_);
    float* prev_rewards = out.f32(sc::prev_rewards) + first;
    prev_rewards[0] = first_prev_reward_;
    std::copy_n(rewards, n - 1, prev_rewards + 1);
  }
  for (int h = sc::count; h < out.num_columns(); ++h) {
    const auto width = static_cast<std::size_t>(out.width(h));
    if (out.type(h) == ColumnType::float32) {
      std::fill_n(out.f32(h) + static_cast<std::size_t>(first) * width, n * width, 0.0f);
    } else {
      std::fill_n(out.i64(h) + static_cast<std::size_t>(first) * width, n * width, int64_t{0});
    }
  }
}

void TrajectoryBuilder::erase_front(int64_t rows) {
  if (rows < 0 || rows > closed()) {
    throw ValueError("TrajectoryBuilder::erase_front: " + std::to_string(rows) +
                     " rows asked of a builder with " + std::to_string(closed()) + " closed rows");
  }
  if (rows == 0) return;
  // The last erased row is what the new first row follows.
  std::copy_n(actions_ + (rows - 1) * action_size_, action_size_, first_prev_action_.begin());
  first_prev_reward_ = scalars_[static_cast<std::size_t>(rows - 1)].reward;
  const int64_t kept = rows_ - rows;
  auto shift = [&](auto* column, int64_t width) {
    std::copy_n(column + rows * width, kept * width, column);
  };
  shift(obs_, obs_size_);
  shift(new_obs_, obs_size_);
  shift(actions_, action_size_);
  shift(scalars_.data(), 1);
  rows_ = kept;
}

SampleBatch TrajectoryBuilder::to_batch() const {
  SampleBatch out = SampleBatch::with_standard_columns(obs_size_, action_size_);
  write_rows(rows_, out);
  if (open_) {  // what closing will write is not known yet: zeros, so checkpoints are exact
    const int64_t last = rows_ - 1;
    std::fill_n(out.f32(standard_column::new_obs) + last * obs_size_, obs_size_, 0.0f);
    out.f32(standard_column::terminateds)[last] = 0.0f;
    out.f32(standard_column::truncateds)[last] = 0.0f;
  }
  return out;
}

void TrajectoryBuilder::restore(const SampleBatch& rows, bool open,
                                const std::vector<float>& prev_action, float prev_reward,
                                const std::string& what) {
  namespace sc = standard_column;
  const std::string mismatch =
      SampleBatch::with_standard_columns(obs_size_, action_size_).column_mismatch(rows);
  if (!mismatch.empty()) throw FormatError(what + ": " + mismatch);
  const int64_t n = rows.size();
  if (open && n == 0) throw FormatError(what + ": an open row in an empty trajectory");
  if (static_cast<int64_t>(prev_action.size()) != action_size_) {
    throw FormatError(what + ": the previous action has " + std::to_string(prev_action.size()) +
                      " values, expected " + std::to_string(action_size_));
  }
  // The kept columns as saved, and what comes before the first row; the derived columns are
  // rebuilt from them and must come out as saved.
  start_episode();
  while (capacity_ < n) grow();
  const auto count = static_cast<std::size_t>(n);
  std::copy_n(rows.f32(sc::obs), count * static_cast<std::size_t>(obs_size_), obs_);
  std::copy_n(rows.f32(sc::new_obs), count * static_cast<std::size_t>(obs_size_), new_obs_);
  std::copy_n(rows.f32(sc::actions), count * static_cast<std::size_t>(action_size_), actions_);
  for (std::size_t r = 0; r < count; ++r) {
    RowScalars& row = scalars_[r];
    row.reward = rows.f32(sc::rewards)[r];
    row.terminated = rows.f32(sc::terminateds)[r];
    row.truncated = rows.f32(sc::truncateds)[r];
    row.logp = rows.f32(sc::action_logp)[r];
    row.vf = rows.f32(sc::vf_preds)[r];
    row.t = rows.i64(sc::t)[r];
  }
  open_reward_ = open ? rows.f32(sc::rewards)[n - 1] : 0.0f;
  if (n > 0) {
    std::copy_n(rows.f32(sc::prev_actions), action_size_, first_prev_action_.begin());
    first_prev_reward_ = rows.f32(sc::prev_rewards)[0];
    eps_id_ = rows.i64(sc::eps_id)[0];
    agent_index_ = rows.i64(sc::agent_index)[0];
  } else {
    first_prev_action_ = prev_action;
    first_prev_reward_ = prev_reward;
  }
  rows_ = n;
  open_ = open;
  const SampleBatch rebuilt = to_batch();
  if (!rebuilt.identical(rows)) {
    throw FormatError(what + ": the rows are not one agent's chained rows of one episode (its " +
                      "episode id, agent index, previous actions and rewards, and action " +
                      "probabilities follow from the other columns)");
  }
  // Compared bit for bit, as the rows are: a NaN action restores as the NaN it was.
  const std::vector<float> next_prev_action = this->prev_action();
  const float next_prev_reward = this->prev_reward();
  if (std::memcmp(next_prev_action.data(), prev_action.data(),
                  prev_action.size() * sizeof(float)) != 0 ||
      std::memcmp(&next_prev_reward, &prev_reward, sizeof(float)) != 0) {
    throw FormatError(what + ": the previous action and reward do not follow the saved rows");
  }
}

}  // namespace phantom
