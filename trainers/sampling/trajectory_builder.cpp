#include "trainers/sampling/trajectory_builder.hpp"

#include <string>

#include "nn/error.hpp"
#include "nn/kernels/kernels.hpp"

namespace phantom {

TrajectoryBuilder::TrajectoryBuilder(int64_t obs_size, int64_t action_size)
    : obs_size_(obs_size), action_size_(action_size) {
  // The columns, their widths and types come from the one definition of the standard columns.
  const SampleBatch layout = SampleBatch::with_standard_columns(obs_size, action_size);
  columns_.resize(static_cast<std::size_t>(layout.num_columns()));
  for (int h = 0; h < layout.num_columns(); ++h) {
    columns_[static_cast<std::size_t>(h)].width = layout.width(h);
    columns_[static_cast<std::size_t>(h)].type = layout.type(h);
  }
  prev_action_.assign(static_cast<std::size_t>(action_size), 0.0f);
}

void TrajectoryBuilder::start_episode() {
  rows_ = 0;
  open_ = false;
  std::fill(prev_action_.begin(), prev_action_.end(), 0.0f);
  prev_reward_ = 0.0f;
}

void TrajectoryBuilder::grow() {
  capacity_ = std::max<int64_t>(16, 2 * capacity_);
  for (Column& c : columns_) {
    const auto values = static_cast<std::size_t>(capacity_ * c.width);
    if (c.type == ColumnType::float32) {
      c.floats.resize(values);
    } else {
      c.ints.resize(values);
    }
  }
}

void TrajectoryBuilder::write_rows(int64_t rows, SampleBatch& out) const {
  if (rows < 0 || rows > rows_) {
    throw ValueError("TrajectoryBuilder::write_rows: " + std::to_string(rows) +
                     " rows asked of a builder holding " + std::to_string(rows_));
  }
  if (out.num_columns() < standard_column::count || out.width(standard_column::obs) != obs_size_ ||
      out.width(standard_column::actions) != action_size_) {
    throw ConfigError(
        "TrajectoryBuilder::write_rows: the batch does not begin with the standard "
        "columns for " +
        std::to_string(obs_size_) + " observation and " + std::to_string(action_size_) +
        " action values");
  }
  out.resize(rows);
  for (int h = 0; h < standard_column::count; ++h) {
    if (h == standard_column::action_prob) continue;  // computed from action_logp below
    const Column& c = columns_[static_cast<std::size_t>(h)];
    const auto values = static_cast<std::size_t>(rows * c.width);
    if (out.type(h) == ColumnType::float32) {
      std::copy_n(c.floats.data(), values, out.f32(h));
    } else {
      std::copy_n(c.ints.data(), values, out.i64(h));
    }
  }
  nn::kernels::exp(out.f32(standard_column::action_logp), out.f32(standard_column::action_prob),
                   rows);
  for (int h = standard_column::count; h < out.num_columns(); ++h) {
    const auto values = static_cast<std::size_t>(rows * out.width(h));
    if (out.type(h) == ColumnType::float32) {
      std::fill_n(out.f32(h), values, 0.0f);
    } else {
      std::fill_n(out.i64(h), values, int64_t{0});
    }
  }
}

void TrajectoryBuilder::erase_front(int64_t rows) {
  if (rows < 0 || rows > closed()) {
    throw ValueError("TrajectoryBuilder::erase_front: " + std::to_string(rows) +
                     " rows asked of a builder with " + std::to_string(closed()) + " closed rows");
  }
  const int64_t kept = rows_ - rows;
  for (Column& c : columns_) {
    if (c.type == ColumnType::float32) {
      std::copy_n(c.floats.begin() + rows * c.width, kept * c.width, c.floats.begin());
    } else {
      std::copy_n(c.ints.begin() + rows * c.width, kept * c.width, c.ints.begin());
    }
  }
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
  const std::string mismatch =
      SampleBatch::with_standard_columns(obs_size_, action_size_).column_mismatch(rows);
  if (!mismatch.empty()) throw FormatError(what + ": " + mismatch);
  if (open && rows.size() == 0) throw FormatError(what + ": an open row in an empty trajectory");
  if (static_cast<int64_t>(prev_action.size()) != action_size_) {
    throw FormatError(what + ": the previous action has " + std::to_string(prev_action.size()) +
                      " values, expected " + std::to_string(action_size_));
  }
  while (capacity_ < rows.size()) grow();
  for (int h = 0; h < standard_column::count; ++h) {
    if (h == standard_column::action_prob) continue;  // derived when the rows are written
    Column& c = columns_[static_cast<std::size_t>(h)];
    const auto values = static_cast<std::size_t>(rows.size() * c.width);
    if (rows.type(h) == ColumnType::float32) {
      std::copy_n(rows.f32(h), values, c.floats.data());
    } else {
      std::copy_n(rows.i64(h), values, c.ints.data());
    }
  }
  rows_ = rows.size();
  open_ = open;
  prev_action_ = prev_action;
  prev_reward_ = prev_reward;
}

}  // namespace phantom
