// Observation filters: NoFilter, MeanStdFilter, ConcurrentMeanStdFilter, the factory and the
// passthrough mask.
#include "trainers/sampling/observation_filter.hpp"

#include <algorithm>

#include "nn/error.hpp"

namespace phantom {

namespace {

std::string describe(const ObservationFilter& filter) {
  return std::string(filter.name()) + " of size " + std::to_string(filter.size());
}

void check_num_rows(const ObservationFilter& filter, int64_t num_rows) {
  if (num_rows < 0) {
    throw ValueError(std::string(filter.name()) + "::apply: num_rows " + std::to_string(num_rows) +
                     " is negative");
  }
}

void check_same_size(const ObservationFilter& self, const ObservationFilter& other,
                     const char* operation) {
  if (other.size() != self.size()) {
    throw ShapeError(std::string(operation) + ": cannot use a " + describe(other) + " on a " +
                     describe(self) + ": the sizes differ");
  }
}

[[noreturn]] void throw_incompatible(const ObservationFilter& self, const ObservationFilter& other,
                                     const char* operation) {
  throw ConfigError(std::string(operation) + ": cannot use a " + describe(other) + " on a " +
                    describe(self) + ": the filters are of incompatible kinds");
}

// Checks that the filter saved under `prefix` is of kind `kind` and of self's size.
void check_saved_kind(const ObservationFilter& self, const nn::StateDict& in,
                      const std::string& prefix, const char* kind) {
  const std::string& saved = in.get_string(prefix + ".kind");
  if (saved != kind) {
    throw FormatError(in.source() + ": " + prefix + ": the saved filter is a " + saved +
                      ", expected a " + kind + " for this " + self.name());
  }
  const int64_t saved_size = in.get_int(prefix + ".size");
  if (saved_size != self.size()) {
    throw ShapeError(in.source() + ": " + prefix + ": the saved filter has size " +
                     std::to_string(saved_size) + ", this " + self.name() + " has size " +
                     std::to_string(self.size()));
  }
}

// `other` as a MeanStdFilter of self's size that no other thread modifies while it is read.
// A concurrent filter may be updated by its sampling thread at any moment, so it is read
// through a copy taken under its own lock (kept alive by `held`). This also means no two
// filters' locks are ever held together, so two filters syncing from each other cannot deadlock.
const MeanStdFilter& stable_source(const ObservationFilter& self, const ObservationFilter& other,
                                   const char* operation,
                                   std::unique_ptr<ObservationFilter>& held) {
  const auto* source = dynamic_cast<const MeanStdFilter*>(&other);
  if (source == nullptr) throw_incompatible(self, other, operation);
  check_same_size(self, other, operation);
  if (!other.is_concurrent()) return *source;
  held = other.copy();
  return static_cast<const MeanStdFilter&>(*held);
}

}  // namespace

ObservationFilter::ObservationFilter(int64_t size) : size_(size) {
  if (size < 0) {
    throw ConfigError("observation filter: size " + std::to_string(size) +
                      " is negative; expected the number of floats per observation");
  }
}

// --- NoFilter ---------------------------------------------------------------------------------

void NoFilter::apply(float*, int64_t num_rows, bool) {
  check_num_rows(*this, num_rows);
}

std::unique_ptr<ObservationFilter> NoFilter::copy() const {
  return std::make_unique<NoFilter>(size());
}

void NoFilter::apply_changes(const ObservationFilter& other, bool) {
  if (dynamic_cast<const NoFilter*>(&other) == nullptr) {
    throw_incompatible(*this, other, "apply_changes");
  }
  check_same_size(*this, other, "apply_changes");
}

void NoFilter::sync(const ObservationFilter& other) {
  if (dynamic_cast<const NoFilter*>(&other) == nullptr) throw_incompatible(*this, other, "sync");
  check_same_size(*this, other, "sync");
}

void NoFilter::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_string(prefix + ".kind", name());
  out.set_int(prefix + ".size", size());
}

void NoFilter::load(const nn::StateDict& in, const std::string& prefix) {
  check_saved_kind(*this, in, prefix, name());
}

// --- MeanStdFilter ----------------------------------------------------------------------------

MeanStdFilter::MeanStdFilter(int64_t size, MeanStdOptions options, std::vector<char> passthrough)
    : ObservationFilter(size),
      options_(options),
      passthrough_(std::move(passthrough)),
      rs_(size),
      buffer_(size) {
  if (options_.clip && !(*options_.clip > 0.0)) {
    throw ConfigError("MeanStdFilter: clip " + std::to_string(*options_.clip) +
                      " must be > 0 (or nullopt for no clipping)");
  }
  if (!passthrough_.empty() && static_cast<int64_t>(passthrough_.size()) != size) {
    throw ShapeError("MeanStdFilter: the passthrough mask has " +
                     std::to_string(passthrough_.size()) + " flags for observations of size " +
                     std::to_string(size));
  }
}

void MeanStdFilter::apply(float* rows, int64_t num_rows, bool update) {
  check_num_rows(*this, num_rows);
  for (int64_t r = 0; r < num_rows; ++r) {
    float* x = rows + r * size();
    if (update) {
      rs_.push(x);
      buffer_.push(x);
    }
    normalize(x);
  }
}

void MeanStdFilter::normalize(float* x) const {
  for (int64_t i = 0; i < size(); ++i) {
    if (!passthrough_.empty() && passthrough_[static_cast<std::size_t>(i)]) continue;
    double v = x[i];  // the arithmetic is in double, as the statistics are
    if (options_.demean) v -= rs_.mean(i);
    if (options_.destd) v /= rs_.std(i) + kEpsilon;
    if (options_.clip) v = std::clamp(v, -*options_.clip, *options_.clip);
    x[i] = static_cast<float>(v);
  }
}

std::unique_ptr<ObservationFilter> MeanStdFilter::copy() const {
  return std::make_unique<MeanStdFilter>(*this);
}

std::unique_ptr<ObservationFilter> MeanStdFilter::copy_and_clear_buffer() {
  auto snapshot = MeanStdFilter::copy();
  buffer_.clear();
  return snapshot;
}

void MeanStdFilter::apply_changes(const ObservationFilter& other, bool with_buffer) {
  std::unique_ptr<ObservationFilter> held;
  const MeanStdFilter& source = stable_source(*this, other, "apply_changes", held);
  rs_.merge(source.buffer_);
  if (with_buffer) buffer_ = source.buffer_;
}

void MeanStdFilter::sync(const ObservationFilter& other) {
  std::unique_ptr<ObservationFilter> held;
  const MeanStdFilter& source = stable_source(*this, other, "sync", held);
  options_ = source.options_;
  passthrough_ = source.passthrough_;
  rs_ = source.rs_;
  buffer_ = source.buffer_;
}

void MeanStdFilter::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_string(prefix + ".kind", "MeanStdFilter");
  out.set_int(prefix + ".size", size());
  out.set_int(prefix + ".demean", options_.demean ? 1 : 0);
  out.set_int(prefix + ".destd", options_.destd ? 1 : 0);
  out.set_int(prefix + ".clipped", options_.clip ? 1 : 0);
  out.set_float(prefix + ".clip", options_.clip.value_or(0.0));
  std::string mask(passthrough_.size(), '\0');
  for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = passthrough_[i] ? 1 : 0;
  out.set_string(prefix + ".passthrough", mask);
  rs_.save(out, prefix + ".rs");
  buffer_.save(out, prefix + ".buffer");
}

void MeanStdFilter::load(const nn::StateDict& in, const std::string& prefix) {
  check_saved_kind(*this, in, prefix, "MeanStdFilter");
  // Everything is read and checked before anything is changed, so a failed load leaves the
  // filter as it was.
  MeanStdOptions options;
  options.demean = in.get_int(prefix + ".demean") != 0;
  options.destd = in.get_int(prefix + ".destd") != 0;
  if (in.get_int(prefix + ".clipped") != 0)
    options.clip = in.get_float(prefix + ".clip");
  else
    options.clip = std::nullopt;
  const std::string& mask = in.get_string(prefix + ".passthrough");
  if (!mask.empty() && static_cast<int64_t>(mask.size()) != size()) {
    throw FormatError(in.source() + ": " + prefix + ": the saved passthrough mask has " +
                      std::to_string(mask.size()) + " flags, expected 0 or " +
                      std::to_string(size()));
  }
  RunningStat rs(size()), buffer(size());
  rs.load(in, prefix + ".rs");
  buffer.load(in, prefix + ".buffer");
  options_ = options;
  passthrough_.assign(mask.begin(), mask.end());
  rs_ = rs;
  buffer_ = buffer;
}

// --- ConcurrentMeanStdFilter ------------------------------------------------------------------

ConcurrentMeanStdFilter::ConcurrentMeanStdFilter(int64_t size, MeanStdOptions options,
                                                 std::vector<char> passthrough)
    : MeanStdFilter(size, options, std::move(passthrough)) {}

void ConcurrentMeanStdFilter::apply(float* rows, int64_t num_rows, bool update) {
  std::lock_guard<std::mutex> lock(mutex_);
  MeanStdFilter::apply(rows, num_rows, update);
}

std::unique_ptr<ObservationFilter> ConcurrentMeanStdFilter::copy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return MeanStdFilter::copy();
}

std::unique_ptr<ObservationFilter> ConcurrentMeanStdFilter::copy_and_clear_buffer() {
  std::lock_guard<std::mutex> lock(mutex_);
  return MeanStdFilter::copy_and_clear_buffer();
}

// apply_changes and sync read a concurrent `other` through a copy before taking this lock (see
// stable_source), so they never hold two locks.

void ConcurrentMeanStdFilter::apply_changes(const ObservationFilter& other, bool with_buffer) {
  std::unique_ptr<ObservationFilter> held;
  const MeanStdFilter& source = stable_source(*this, other, "apply_changes", held);
  std::lock_guard<std::mutex> lock(mutex_);
  MeanStdFilter::apply_changes(source, with_buffer);
}

void ConcurrentMeanStdFilter::sync(const ObservationFilter& other) {
  std::unique_ptr<ObservationFilter> held;
  const MeanStdFilter& source = stable_source(*this, other, "sync", held);
  std::lock_guard<std::mutex> lock(mutex_);
  MeanStdFilter::sync(source);
}

void ConcurrentMeanStdFilter::clear_buffer() {
  std::lock_guard<std::mutex> lock(mutex_);
  MeanStdFilter::clear_buffer();
}

void ConcurrentMeanStdFilter::save(nn::StateDict& out, const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mutex_);
  MeanStdFilter::save(out, prefix);
}

void ConcurrentMeanStdFilter::load(const nn::StateDict& in, const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mutex_);
  MeanStdFilter::load(in, prefix);
}

// --- Factory and passthrough mask -------------------------------------------------------------

std::unique_ptr<ObservationFilter> make_observation_filter(const std::string& name, int64_t size,
                                                           std::vector<char> passthrough) {
  MeanStdOptions unclipped;
  unclipped.clip = std::nullopt;
  if (name == "NoFilter") return std::make_unique<NoFilter>(size);
  if (name == "MeanStdFilter") {
    return std::make_unique<MeanStdFilter>(size, unclipped, std::move(passthrough));
  }
  if (name == "ConcurrentMeanStdFilter") {
    return std::make_unique<ConcurrentMeanStdFilter>(size, unclipped, std::move(passthrough));
  }
  throw ConfigError("unknown observation_filter '" + name +
                    "': expected NoFilter, MeanStdFilter or ConcurrentMeanStdFilter");
}

namespace {

// Marks the passthrough elements of a value of `space` starting at `out`. Tuple and Dict values
// are their children's values concatenated in order, so each child starts where the previous
// one ended.
void mark_passthrough(const Space& space, char* out) {
  switch (space.kind()) {
    case Kind::discrete:
    case Kind::multi_discrete:
    case Kind::multi_binary:
      std::fill(out, out + space.flat_size(), char{1});
      return;
    case Kind::box:
      return;
    case Kind::tuple:
      for (const SpacePtr& child : space.as_tuple().children()) {
        mark_passthrough(*child, out);
        out += child->flat_size();
      }
      return;
    case Kind::dict:
      for (const SpacePtr& child : space.as_dict().children()) {
        mark_passthrough(*child, out);
        out += child->flat_size();
      }
      return;
  }
}

}  // namespace

std::vector<char> filter_passthrough_mask(const Space& observation_space) {
  std::vector<char> mask(static_cast<std::size_t>(observation_space.flat_size()), 0);
  mark_passthrough(observation_space, mask.data());
  return mask;
}

}  // namespace phantom
