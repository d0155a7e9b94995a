// SampleBatch: transition rows stored column by column.
//
// Sampling produces one row per agent per env step: what the agent saw, what it did, what it got,
// and what the policy knew when it acted (log-probability, value estimate...). Postprocessing
// (GAE) then walks a whole trajectory of one column at a time, and training gathers minibatches
// of rows. Both are cheap when each column is one contiguous array: a column is a name, a width
// (values per row) and a type (float32 or int64), and its data is width x size() values, row-major.
//
// Columns keep the order in which they were added, so iteration, concatenation and equality are
// deterministic. A column is found by name (a short linear search) or, in loops, by the integer
// handle add_column returned: the handle is the column's position, so it also works in any batch
// with the same columns (copies, slices, concatenations).
//
// Batches are reused: clear() forgets the rows but keeps the columns and their memory, so a batch
// refilled to the same size (append_row, append) allocates nothing.
//
// Env infos are not stored: they are arbitrary per-agent data that no trainer reads back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nn/rng.hpp"
#include "nn/serialize.hpp"

namespace phantom {

/// The names of the standard columns. A transition row describes one agent acting once; the
/// comment on each name gives the column's type, width and meaning. Flags are float32 0/1 so
/// that postprocessing can use them in arithmetic (1 - terminated).
namespace columns {
/// float32 x obs size: the observation the agent acted on (after preprocessing and filtering).
inline constexpr const char* kObs = "obs";
/// float32 x obs size: the observation that followed the action.
inline constexpr const char* kNewObs = "new_obs";
/// float32 x action size: the action as the policy emitted it, before clipping or rescaling;
/// discrete actions are integer indices stored as floats.
inline constexpr const char* kActions = "actions";
/// float32 x 1: the reward the action earned.
inline constexpr const char* kRewards = "rewards";
/// float32 x 1: 1 if the agent's episode reached a terminal state at this step (there is nothing
/// to bootstrap from new_obs), else 0.
inline constexpr const char* kTerminateds = "terminateds";
/// float32 x 1: 1 if the agent's episode was cut off at this step without reaching a terminal
/// state (a time limit), else 0.
inline constexpr const char* kTruncateds = "truncateds";
/// int64 x 1: the episode's id, shared by all its rows.
inline constexpr const char* kEpsId = "eps_id";
/// int64 x 1: the agent's position in the order of first appearance in the episode (0, 1, ...).
inline constexpr const char* kAgentIndex = "agent_index";
/// int64 x 1: the step of the episode at which obs was seen (0 for the first).
inline constexpr const char* kT = "t";
/// float32 x action size: the agent's previous action (zeros at its first step).
inline constexpr const char* kPrevActions = "prev_actions";
/// float32 x 1: the agent's previous reward (0 at its first step).
inline constexpr const char* kPrevRewards = "prev_rewards";
/// float32 x 1: the log-probability of the action under the policy that acted.
inline constexpr const char* kActionLogp = "action_logp";
/// float32 x 1: exp(action_logp), the action's probability (off-policy estimators read it).
inline constexpr const char* kActionProb = "action_prob";
/// float32 x 1: the acting policy's value estimate of obs.
inline constexpr const char* kVfPreds = "vf_preds";
/// float32 x 1: the advantage of the action, written by postprocessing (e.g. GAE).
inline constexpr const char* kAdvantages = "advantages";
/// float32 x 1: the value function's regression targets, written by postprocessing.
inline constexpr const char* kValueTargets = "value_targets";
}  // namespace columns

/// The element type of a column.
enum class ColumnType { float32, int64 };

/// "float32" or "int64", for messages.
const char* column_type_name(ColumnType type);

/// Columnar storage of transition rows (see the top of this file).
class SampleBatch {
 public:
  /// A column's position in the batch (0 for the first column added).
  using Handle = int;

  /// A batch with no columns and no rows.
  SampleBatch() = default;

  /// A batch with the standard columns except advantages and value_targets (postprocessing adds
  /// those), in the order they are listed in `columns`. Throws ConfigError if a size is below 1.
  static SampleBatch with_standard_columns(int64_t obs_size, int64_t action_size);

  /// Adds a column of `width` values per row (existing rows get zeros) and returns its handle.
  /// Adding a name that exists with the same width and type returns the existing handle. Throws
  /// ConfigError naming the column if the name is empty, width < 1, or the name exists with
  /// another width or type.
  Handle add_column(const std::string& name, int64_t width, ColumnType type);

  /// True if the batch has a column called `name`.
  bool has_column(std::string_view name) const { return find(name) >= 0; }
  /// The handle of column `name`; throws ConfigError naming it (and the present columns) if absent.
  Handle column(std::string_view name) const;
  /// Column names in the order they were added.
  std::vector<std::string> column_names() const;
  /// Number of columns (handles are 0 .. num_columns() - 1).
  int num_columns() const { return static_cast<int>(columns_.size()); }

  /// Values per row of a column. By name: ConfigError if absent; by handle: ValueError if out of
  /// range (as for every accessor below).
  int64_t width(std::string_view name) const { return width(column(name)); }
  int64_t width(Handle column) const { return get(column).width; }
  ColumnType type(std::string_view name) const { return type(column(name)); }
  ColumnType type(Handle column) const { return get(column).type; }

  /// Number of rows.
  int64_t size() const { return size_; }

  /// Adds a row of zeros to every column and returns its index.
  int64_t append_row();
  /// Grows or shrinks to `rows` rows; rows added are zero. Allocates nothing within capacity.
  void resize(int64_t rows);
  /// resize() without zeroing the rows added: their values are unspecified until written. For a
  /// writer that fills every column of the new rows at once (the worker's trajectories), which
  /// would otherwise pay for writing each value twice.
  void resize_for_overwrite(int64_t rows);
  /// Makes room for `rows` rows in every column, so filling up to that size allocates nothing.
  void reserve(int64_t rows);
  /// Forgets the rows; keeps the columns and their memory.
  void clear();

  /// A column's data: size() x width values, row-major; valid until the next call that adds rows
  /// or columns, or reserve(). Throws ValueError naming the column if it holds the other type.
  // By handle: inline, since a worker calls them for every row it records.
  float* f32(Handle column) {
    return const_cast<float*>(static_cast<const SampleBatch&>(*this).f32(column));
  }
  const float* f32(Handle column) const {
    if (!has_type(column, ColumnType::float32)) throw_bad_access(column, ColumnType::float32);
    return columns_[static_cast<std::size_t>(column)].floats.data();
  }
  float* f32(std::string_view name) { return f32(column(name)); }
  const float* f32(std::string_view name) const { return f32(column(name)); }
  int64_t* i64(Handle column) {
    return const_cast<int64_t*>(static_cast<const SampleBatch&>(*this).i64(column));
  }
  const int64_t* i64(Handle column) const {
    if (!has_type(column, ColumnType::int64)) throw_bad_access(column, ColumnType::int64);
    return columns_[static_cast<std::size_t>(column)].ints.data();
  }
  int64_t* i64(std::string_view name) { return i64(column(name)); }
  const int64_t* i64(std::string_view name) const { return i64(column(name)); }

  /// Appends the rows of `other`, which must have the same columns (names, widths, types) in the
  /// same order, else ConfigError naming the first column that differs. Allocates nothing when
  /// the capacity suffices. `other` may be this batch (its rows are then doubled).
  void append(const SampleBatch& other);
  /// Appends rows [begin, end) of `other` (not this batch), whose columns must be the first
  /// columns of this batch, in order (else ConfigError naming the first difference); columns
  /// this batch has beyond them are zero in the new rows. This is how a worker copies a piece
  /// of a trajectory into a batch that postprocessing has given more columns. Allocates nothing
  /// when the capacity suffices.
  void append_rows(const SampleBatch& other, int64_t begin, int64_t end);
  /// Drops the first `rows` rows, moving the rest to the front (keeps the memory).
  void erase_front(int64_t rows);
  /// The rows of all `batches` in order. They must have the same columns in the same order, else
  /// ConfigError naming the first differing column; no batches gives an empty batch.
  static SampleBatch concat(const std::vector<const SampleBatch*>& batches);
  /// A new batch with the same columns holding rows [begin, end). Throws ValueError stating the
  /// bounds unless 0 <= begin <= end <= size().
  SampleBatch slice(int64_t begin, int64_t end) const;
  /// The batch cut into runs of consecutive rows with the same eps_id, in order (an episode
  /// whose rows are not contiguous gives several pieces). Throws ConfigError if there is no
  /// eps_id column.
  std::vector<SampleBatch> split_by_episode() const;

  /// Reorders the rows by one random permutation, the same for every column. The draws are
  /// those of rng.shuffle on the row indices: for k = size() down to 2, j = rng.uniform_int(k),
  /// then rows k-1 and j swap places (size() - 1 draws; none for fewer than 2 rows).
  void shuffle(nn::Rng& rng);

  /// Checks what a postprocessor may assume of its input: every row has the agent_index and the
  /// eps_id of row 0, and no row but the last is terminated or truncated. Throws ValueError
  /// naming the first row that breaks this, or ConfigError if one of those four columns is absent.
  void check_single_trajectory() const;

  /// True if `other` has the same columns in the same order and the same rows, bit for bit.
  bool identical(const SampleBatch& other) const;
  /// "" if `other` has the same columns in the same order, else a sentence naming the first
  /// column that differs.
  std::string column_mismatch(const SampleBatch& other) const;

  /// Saves the columns (names, widths, types) and rows under `prefix`, bit for bit.
  void save(nn::StateDict& out, const std::string& prefix) const;
  /// Replaces this batch by what save() wrote. Throws FormatError naming the prefix if the
  /// entries are missing or inconsistent.
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  // The allocator of the columns: std::allocator, except that growing a vector without a value
  // (resize(n)) leaves the new numbers unset instead of zeroing them. resize_for_overwrite and
  // the appends, which copy over the new rows at once, use that; everything else passes 0.
  template <class T>
  struct UnsetGrowth : std::allocator<T> {
    template <class U>
    struct rebind {
      using other = UnsetGrowth<U>;
    };
    UnsetGrowth() = default;
    template <class U>
    UnsetGrowth(const UnsetGrowth<U>&) noexcept {}
    template <class U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  };
  template <class T>
  using Values = std::vector<T, UnsetGrowth<T>>;

  struct Column {
    std::string name;
    int64_t width = 1;
    ColumnType type = ColumnType::float32;
    Values<float> floats;  // the data if type == float32
    Values<int64_t> ints;  // the data if type == int64
  };

  // resize() (new rows zero) and resize_for_overwrite() (new rows unset); `caller` names the
  // public function in the error for rows < 0.
  void resize_columns(int64_t rows, bool zero_new_rows, const char* caller);
  /// The position of column `name`, or -1.
  Handle find(std::string_view name) const;
  bool has_type(Handle column, ColumnType type) const {
    return column >= 0 && column < num_columns() &&
           columns_[static_cast<std::size_t>(column)].type == type;
  }
  // Throws the ValueError of a handle out of range or of the wrong type.
  [[noreturn]] void throw_bad_access(Handle column, ColumnType wanted) const;
  const Column& get(Handle column) const;
  /// A batch with the same columns and no rows.
  SampleBatch empty_like() const;

  std::vector<Column> columns_;
  int64_t size_ = 0;
};

/// Handles of the standard columns. SampleBatch::with_standard_columns adds them first and in
/// this order, so in every batch it makes (and in their copies, slices and concatenations) a
/// standard column is found at its handle: loops that record or read rows use these instead of
/// finding columns by name.
namespace standard_column {
enum : SampleBatch::Handle {
  obs,
  new_obs,
  actions,
  rewards,
  terminateds,
  truncateds,
  eps_id,
  agent_index,
  t,
  prev_actions,
  prev_rewards,
  action_logp,
  action_prob,
  vf_preds,
  count  ///< the number of standard columns; handles from here on are extra columns
};
}  // namespace standard_column

}  // namespace phantom
