// SampleBatch: column management, row storage and the operations on whole batches.
#include "trainers/sampling/sample_batch.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "nn/error.hpp"

namespace phantom {

namespace {

std::string describe(const std::string& name, int64_t width, ColumnType type) {
  return "'" + name + "' (" + column_type_name(type) + ", width " + std::to_string(width) + ")";
}

// Appends src[0, count) to dst. dst is resized before src is read, so src may be dst itself (a
// batch appended to itself): its data pointer is then taken after any reallocation, and the
// range read, [0, count), lies before the new values.
template <class Vector>
void append_values(Vector& dst, const Vector& src, std::size_t count) {
  std::size_t old_size = dst.size();
  dst.resize(old_size + count);
  if (count > 0) std::copy_n(src.data(), count, dst.data() + old_size);
}

template <class Vector>
void swap_rows(Vector& values, int64_t width, int64_t a, int64_t b) {
  auto* row_a = values.data() + a * width;
  std::swap_ranges(row_a, row_a + width, values.data() + b * width);
}

template <class Vector>
bool same_bits(const Vector& a, const Vector& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0);
}

}  // namespace

const char* column_type_name(ColumnType type) {
  return type == ColumnType::float32 ? "float32" : "int64";
}

SampleBatch SampleBatch::with_standard_columns(int64_t obs_size, int64_t action_size) {
  namespace sc = standard_column;
  struct Spec {
    const char* name;
    int64_t width;
    ColumnType type;
    Handle handle;
  };
  const ColumnType f32 = ColumnType::float32, i64 = ColumnType::int64;
  const Spec specs[] = {
      {columns::kObs, obs_size, f32, sc::obs},
      {columns::kNewObs, obs_size, f32, sc::new_obs},
      {columns::kActions, action_size, f32, sc::actions},
      {columns::kRewards, 1, f32, sc::rewards},
      {columns::kTerminateds, 1, f32, sc::terminateds},
      {columns::kTruncateds, 1, f32, sc::truncateds},
      {columns::kEpsId, 1, i64, sc::eps_id},
      {columns::kAgentIndex, 1, i64, sc::agent_index},
      {columns::kT, 1, i64, sc::t},
      {columns::kPrevActions, action_size, f32, sc::prev_actions},
      {columns::kPrevRewards, 1, f32, sc::prev_rewards},
      {columns::kActionLogp, 1, f32, sc::action_logp},
      {columns::kActionProb, 1, f32, sc::action_prob},
      {columns::kVfPreds, 1, f32, sc::vf_preds},
  };
  static_assert(sizeof(specs) / sizeof(specs[0]) == sc::count, "one spec per standard column");
  SampleBatch batch;
  for (const Spec& spec : specs) {
    // A handle is the column's position: listing the specs in handle order makes them agree.
    if (batch.add_column(spec.name, spec.width, spec.type) != spec.handle) {
      throw std::logic_error(std::string("SampleBatch: standard column '") + spec.name +
                             "' is out of its handle order");
    }
  }
  return batch;
}

SampleBatch::Handle SampleBatch::add_column(const std::string& name, int64_t width,
                                            ColumnType type) {
  if (name.empty()) throw ConfigError("SampleBatch::add_column: a column needs a non-empty name");
  if (width < 1) {
    throw ConfigError("SampleBatch::add_column: column '" + name + "' has width " +
                      std::to_string(width) + ", expected at least 1");
  }
  Handle existing = find(name);
  if (existing >= 0) {
    const Column& c = columns_[existing];
    if (c.width != width || c.type != type) {
      throw ConfigError("SampleBatch::add_column: column " + describe(name, width, type) +
                        " was asked for, but the batch already has " +
                        describe(c.name, c.width, c.type));
    }
    return existing;
  }
  Column c;
  c.name = name;
  c.width = width;
  c.type = type;
  std::size_t values = static_cast<std::size_t>(size_ * width);
  if (type == ColumnType::float32) {
    c.floats.resize(values, 0.0f);
  } else {
    c.ints.resize(values, 0);
  }
  columns_.push_back(std::move(c));
  return static_cast<Handle>(columns_.size() - 1);
}

SampleBatch::Handle SampleBatch::find(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name == name) return static_cast<Handle>(i);
  }
  return -1;
}

SampleBatch::Handle SampleBatch::column(std::string_view name) const {
  Handle h = find(name);
  if (h < 0) {
    std::string present;
    for (const Column& c : columns_) present += (present.empty() ? "" : ", ") + c.name;
    throw ConfigError("SampleBatch: no column '" + std::string(name) +
                      "' (the batch has: " + (present.empty() ? "no columns" : present) + ")");
  }
  return h;
}

std::vector<std::string> SampleBatch::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns_.size());
  for (const Column& c : columns_) names.push_back(c.name);
  return names;
}

const SampleBatch::Column& SampleBatch::get(Handle column) const {
  if (column < 0 || column >= num_columns()) {
    throw ValueError("SampleBatch: column handle " + std::to_string(column) +
                     " is out of range (the batch has " + std::to_string(num_columns()) +
                     " columns)");
  }
  return columns_[column];
}

int64_t SampleBatch::append_row() {
  // push_back's inlined fast path (a capacity check and a store) costs a fraction of resize(),
  // which calls out of line for every column: this runs once per action a worker records.
  for (Column& c : columns_) {
    if (c.type == ColumnType::float32) {
      for (int64_t k = 0; k < c.width; ++k) c.floats.push_back(0.0f);
    } else {
      for (int64_t k = 0; k < c.width; ++k) c.ints.push_back(0);
    }
  }
  return size_++;
}

void SampleBatch::resize(int64_t rows) {
  resize_columns(rows, /*zero_new_rows=*/true, "resize");
}

void SampleBatch::resize_for_overwrite(int64_t rows) {
  resize_columns(rows, /*zero_new_rows=*/false, "resize_for_overwrite");
}

void SampleBatch::resize_columns(int64_t rows, bool zero_new_rows, const char* caller) {
  if (rows < 0) {
    throw ValueError(std::string("SampleBatch::") + caller + ": rows = " + std::to_string(rows) +
                     ", expected >= 0");
  }
  for (Column& c : columns_) {
    std::size_t values = static_cast<std::size_t>(rows * c.width);
    // Without a value, the columns' allocator leaves the new numbers unset.
    if (c.type == ColumnType::float32) {
      zero_new_rows ? c.floats.resize(values, 0.0f) : c.floats.resize(values);
    } else {
      zero_new_rows ? c.ints.resize(values, 0) : c.ints.resize(values);
    }
  }
  size_ = rows;
}

void SampleBatch::reserve(int64_t rows) {
  if (rows < 0) {
    throw ValueError("SampleBatch::reserve: rows = " + std::to_string(rows) + ", expected >= 0");
  }
  for (Column& c : columns_) {
    std::size_t values = static_cast<std::size_t>(rows * c.width);
    if (c.type == ColumnType::float32) {
      c.floats.reserve(values);
    } else {
      c.ints.reserve(values);
    }
  }
}

void SampleBatch::clear() {
  for (Column& c : columns_) {
    c.floats.clear();
    c.ints.clear();
  }
  size_ = 0;
}

void SampleBatch::throw_bad_access(Handle column, ColumnType wanted) const {
  get(column);  // throws for a handle out of range
  const Column& c = columns_[static_cast<std::size_t>(column)];
  throw ValueError("SampleBatch: column '" + c.name + "' holds " + column_type_name(c.type) +
                   " values, not " + column_type_name(wanted));
}

std::string SampleBatch::column_mismatch(const SampleBatch& other) const {
  std::size_t n = std::max(columns_.size(), other.columns_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i >= columns_.size()) {
      const Column& b = other.columns_[i];
      return "column " + describe(b.name, b.width, b.type) + " is only in the other batch";
    }
    const Column& a = columns_[i];
    if (i >= other.columns_.size()) {
      return "column " + describe(a.name, a.width, a.type) + " is missing from the other batch";
    }
    const Column& b = other.columns_[i];
    if (a.name != b.name || a.width != b.width || a.type != b.type) {
      return "column " + std::to_string(i) + " is " + describe(a.name, a.width, a.type) +
             " here but " + describe(b.name, b.width, b.type) + " in the other batch";
    }
  }
  return "";
}

void SampleBatch::append(const SampleBatch& other) {
  std::string mismatch = column_mismatch(other);
  if (!mismatch.empty()) {
    throw ConfigError("SampleBatch::append: " + mismatch +
                      "; batches join only with the same columns in the same order");
  }
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    const Column& from = other.columns_[i];  // may be c itself (see append_values)
    std::size_t values = static_cast<std::size_t>(other.size_ * c.width);
    if (c.type == ColumnType::float32) {
      append_values(c.floats, from.floats, values);
    } else {
      append_values(c.ints, from.ints, values);
    }
  }
  size_ += other.size_;
}

void SampleBatch::append_rows(const SampleBatch& other, int64_t begin, int64_t end) {
  if (&other == this) throw ValueError("SampleBatch::append_rows: cannot copy rows of itself");
  if (begin < 0 || begin > end || end > other.size_) {
    throw ValueError("SampleBatch::append_rows: rows [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") are not within the " + std::to_string(other.size_) +
                     " rows of the source");
  }
  for (std::size_t i = 0; i < other.columns_.size(); ++i) {
    const Column& from = other.columns_[i];
    if (i >= columns_.size() || columns_[i].name != from.name || columns_[i].width != from.width ||
        columns_[i].type != from.type) {
      throw ConfigError("SampleBatch::append_rows: source column " + std::to_string(i) + " '" +
                        from.name + "' is not column " + std::to_string(i) +
                        " of the destination (its columns must come first, in order)");
    }
  }
  const int64_t rows = end - begin;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    auto old_values = static_cast<std::size_t>(size_ * c.width);
    auto count = static_cast<std::size_t>(rows * c.width);
    auto first = static_cast<std::size_t>(begin * c.width);
    if (c.type == ColumnType::float32) {
      c.floats.resize(old_values + count, 0.0f);
      if (i < other.columns_.size() && count > 0)
        std::copy_n(other.columns_[i].floats.data() + first, count, c.floats.data() + old_values);
    } else {
      c.ints.resize(old_values + count, 0);
      if (i < other.columns_.size() && count > 0)
        std::copy_n(other.columns_[i].ints.data() + first, count, c.ints.data() + old_values);
    }
  }
  size_ += rows;
}

void SampleBatch::erase_front(int64_t rows) {
  if (rows < 0 || rows > size_) {
    throw ValueError("SampleBatch::erase_front: " + std::to_string(rows) +
                     " rows asked of a batch of " + std::to_string(size_));
  }
  for (Column& c : columns_) {
    auto drop = static_cast<std::ptrdiff_t>(rows * c.width);
    if (c.type == ColumnType::float32) {
      c.floats.erase(c.floats.begin(), c.floats.begin() + drop);
    } else {
      c.ints.erase(c.ints.begin(), c.ints.begin() + drop);
    }
  }
  size_ -= rows;
}

SampleBatch SampleBatch::concat(const std::vector<const SampleBatch*>& batches) {
  if (batches.empty()) return SampleBatch();
  int64_t rows = 0;
  for (std::size_t k = 0; k < batches.size(); ++k) {
    if (batches[k] == nullptr) {
      throw ValueError("SampleBatch::concat: batch " + std::to_string(k) + " is null");
    }
    std::string mismatch = batches[0]->column_mismatch(*batches[k]);
    if (!mismatch.empty()) {
      throw ConfigError("SampleBatch::concat: batch " + std::to_string(k) +
                        " differs from batch 0: " + mismatch);
    }
    rows += batches[k]->size_;
  }
  SampleBatch out = batches[0]->empty_like();
  out.reserve(rows);
  for (const SampleBatch* b : batches) out.append(*b);
  return out;
}

SampleBatch SampleBatch::empty_like() const {
  SampleBatch out;
  out.columns_.reserve(columns_.size());
  for (const Column& c : columns_) out.add_column(c.name, c.width, c.type);
  return out;
}

SampleBatch SampleBatch::slice(int64_t begin, int64_t end) const {
  if (begin < 0 || begin > end || end > size_) {
    throw ValueError("SampleBatch::slice: rows [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") are not within [0, " + std::to_string(size_) +
                     ") (expected 0 <= begin <= end <= " + std::to_string(size_) + ")");
  }
  SampleBatch out = empty_like();
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    std::size_t first = static_cast<std::size_t>(begin * c.width);
    std::size_t last = static_cast<std::size_t>(end * c.width);
    if (c.type == ColumnType::float32) {
      out.columns_[i].floats.assign(c.floats.begin() + first, c.floats.begin() + last);
    } else {
      out.columns_[i].ints.assign(c.ints.begin() + first, c.ints.begin() + last);
    }
  }
  out.size_ = end - begin;
  return out;
}

std::vector<SampleBatch> SampleBatch::split_by_episode() const {
  if (!has_column(columns::kEpsId)) {
    throw ConfigError("SampleBatch::split_by_episode: the batch has no '" +
                      std::string(columns::kEpsId) + "' column to split by");
  }
  if (width(columns::kEpsId) != 1) {
    throw ConfigError("SampleBatch::split_by_episode: column 'eps_id' has width " +
                      std::to_string(width(columns::kEpsId)) + ", expected 1");
  }
  const int64_t* eps_id = i64(columns::kEpsId);
  std::vector<SampleBatch> pieces;
  int64_t begin = 0;
  for (int64_t row = 1; row <= size_; ++row) {
    if (row == size_ || eps_id[row] != eps_id[begin]) {
      pieces.push_back(slice(begin, row));
      begin = row;
    }
  }
  return pieces;
}

void SampleBatch::shuffle(nn::Rng& rng) {
  // Swapping rows in place, every column in turn, needs no permutation buffer; the order of
  // swaps is that of rng.shuffle, so the result is the permutation it would make.
  for (int64_t k = size_; k >= 2; --k) {
    int64_t j = rng.uniform_int(k);
    if (j == k - 1) continue;
    for (Column& c : columns_) {
      if (c.type == ColumnType::float32) {
        swap_rows(c.floats, c.width, k - 1, j);
      } else {
        swap_rows(c.ints, c.width, k - 1, j);
      }
    }
  }
}

void SampleBatch::check_single_trajectory() const {
  // i64()/f32() reject a column of the wrong type; these need one value per row.
  for (const char* name :
       {columns::kAgentIndex, columns::kEpsId, columns::kTerminateds, columns::kTruncateds}) {
    if (width(name) != 1) {
      throw ConfigError("SampleBatch::check_single_trajectory: column '" + std::string(name) +
                        "' has width " + std::to_string(width(name)) + ", expected 1");
    }
  }
  const int64_t* agent = i64(columns::kAgentIndex);
  const int64_t* eps_id = i64(columns::kEpsId);
  const float* terminated = f32(columns::kTerminateds);
  const float* truncated = f32(columns::kTruncateds);
  // The messages are built only when a row breaks the rule: checking allocates nothing.
  for (int64_t row = 0; row < size_; ++row) {
    const bool other_agent = agent[row] != agent[0];
    const bool other_episode = eps_id[row] != eps_id[0];
    const bool ends_early = row + 1 < size_ && (terminated[row] != 0.0f || truncated[row] != 0.0f);
    if (!other_agent && !other_episode && !ends_early) continue;
    const std::string where = "SampleBatch::check_single_trajectory: row " + std::to_string(row);
    if (other_agent) {
      throw ValueError(where + " has agent_index " + std::to_string(agent[row]) +
                       " but row 0 has " + std::to_string(agent[0]) +
                       "; a trajectory holds the rows of one agent");
    }
    if (other_episode) {
      throw ValueError(where + " has eps_id " + std::to_string(eps_id[row]) + " but row 0 has " +
                       std::to_string(eps_id[0]) + "; a trajectory holds the rows of one episode");
    }
    throw ValueError(where + " is " + (terminated[row] != 0.0f ? "terminated" : "truncated") +
                     " but is not the last of the " + std::to_string(size_) +
                     " rows; a trajectory may only end at its last row");
  }
}

bool SampleBatch::identical(const SampleBatch& other) const {
  if (size_ != other.size_ || !column_mismatch(other).empty()) return false;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (!same_bits(columns_[i].floats, other.columns_[i].floats) ||
        !same_bits(columns_[i].ints, other.columns_[i].ints)) {
      return false;
    }
  }
  return true;
}

void SampleBatch::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".rows", size_);
  out.set_int(prefix + ".columns", static_cast<int64_t>(columns_.size()));
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    const std::string p = prefix + ".column" + std::to_string(i);
    out.set_string(p + ".name", c.name);
    out.set_int(p + ".width", c.width);
    if (c.type == ColumnType::float32) {
      out.set_doubles(p + ".floats", std::vector<double>(c.floats.begin(), c.floats.end()));
    } else {
      out.set_int64s(p + ".ints", std::vector<int64_t>(c.ints.begin(), c.ints.end()));
    }
  }
}

void SampleBatch::load(const nn::StateDict& in, const std::string& prefix) {
  SampleBatch loaded;
  const int64_t rows = in.get_count(prefix + ".rows");
  const int64_t count = in.get_count(prefix + ".columns");
  if (rows < 0 || count < 0) {
    throw FormatError(in.source() + ": " + prefix + ": a batch of " + std::to_string(rows) +
                      " rows and " + std::to_string(count) + " columns");
  }
  for (int64_t i = 0; i < count; ++i) {
    const std::string p = prefix + ".column" + std::to_string(i);
    const std::string& name = in.get_string(p + ".name");
    const int64_t width = in.get_count(p + ".width");
    const bool floats = in.contains(p + ".floats");
    Column c;
    c.name = name;
    c.width = width;
    c.type = floats ? ColumnType::float32 : ColumnType::int64;
    std::size_t values = 0;
    if (floats) {
      std::vector<double> v = in.get_doubles(p + ".floats");
      c.floats.assign(v.begin(), v.end());  // floats were widened exactly: this is exact too
      values = c.floats.size();
    } else {
      const std::vector<int64_t>& v = in.get_int64s(p + ".ints");
      c.ints.assign(v.begin(), v.end());
      values = c.ints.size();
    }
    if (width < 1 || rows > static_cast<int64_t>(values) / width ||
        values != static_cast<std::size_t>(rows * width) || loaded.find(name) >= 0) {
      throw FormatError(in.source() + ": " + prefix + ": column '" + name + "' holds " +
                        std::to_string(values) + " values, expected " + std::to_string(rows) +
                        " rows of width " + std::to_string(width));
    }
    loaded.columns_.push_back(std::move(c));
  }
  loaded.size_ = rows;
  *this = std::move(loaded);
}

}  // namespace phantom
