// The Space family: validation, membership, sampling, equality and formatting.
#include "phantom/space.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <ostream>
#include <string>

#include "nn/libm.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

constexpr int kMaxBoxRank = 4;
// A Box keeps two floats of bounds per element, so an absurd shape would exhaust memory before it
// could fail anywhere useful; cap the element count (also keeps the product from overflowing).
constexpr int64_t kMaxBoxElements = int64_t{1} << 31;

// ---------------------------------------------------------------------------------------------
// Formatting (numbers: phantom/format.hpp)
// ---------------------------------------------------------------------------------------------

// Row-major data of the given shape as nested lists, e.g. [[1, 2], [3, 4]]; a scalar (rank 0) as
// the bare number. Returns the number of floats consumed.
int64_t append_nested(std::string& out, const float* data, const std::vector<int64_t>& shape,
                      size_t dim) {
  if (dim == shape.size()) {
    append_float(out, data[0]);
    return 1;
  }
  out += '[';
  int64_t used = 0;
  for (int64_t i = 0; i < shape[dim]; ++i) {
    if (i > 0) out += ", ";
    used += append_nested(out, data + used, shape, dim + 1);
  }
  out += ']';
  return used;
}

// "[3, 4]".
void append_int_list(std::string& out, const std::vector<int64_t>& xs) {
  out += '[';
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(xs[i]);
  }
  out += ']';
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s;
  append_shape(s, shape);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Sampling helpers. Each draws a fixed number of 32-bit words, whatever the outcome.
// ---------------------------------------------------------------------------------------------

// Uniform integer in [0, n) for 0 < n <= 2^32, from exactly two words: floor(x * n / 2^64) for a
// random 64-bit x (Lemire's multiply-shift without its rejection step). Skipping the rejection
// keeps the word count fixed; the bias left is below n / 2^64 (< 2^-38 for the n we allow).
// x * n needs 96 bits, so it is formed from the two 32-bit halves of x: with a = hi(x) * n and
// b = lo(x) * n, x * n = a * 2^32 + b, and floor(x * n / 2^64) = (a + (b >> 32)) >> 32 (the low
// 32 bits of b cannot carry into bit 64). a + (b >> 32) < 2^32 * n fits in 64 bits.
int64_t index_below(nn::Rng& rng, int64_t n) {
  uint64_t x = rng.next_u64();
  uint64_t un = static_cast<uint64_t>(n);
  uint64_t a = (x >> 32) * un;
  uint64_t b = (x & 0xFFFFFFFFull) * un;
  return static_cast<int64_t>((a + (b >> 32)) >> 32);
}

// Exp(1) by inversion, from two words: -log(1 - u) with u in [0, 1), so the log is finite.
double exponential(nn::Rng& rng) {
  return -nn::libm::log(1.0 - rng.uniform_double());  // our own log: the same on every build
}

// Rounds to float, saturating at the largest finite floats (converting an out-of-range double to
// float is undefined behaviour). Used for low + Exp(1) near the top of the float range.
float to_float_saturated(double d) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (d > kMax) return std::numeric_limits<float>::max();
  if (d < -kMax) return std::numeric_limits<float>::lowest();
  return static_cast<float>(d);
}

// True if v is an exact integer in [lo, hi).
bool is_int_in(float v, int64_t lo, int64_t hi) {
  // NaN fails the first test; an infinity passes it but fails the range test.
  if (!(std::floor(v) == v)) return false;
  const double d = v;
  return d >= static_cast<double>(lo) && d < static_cast<double>(hi);
}

// ---------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------

// Element count of a Box shape; throws ConfigError for a negative extent, rank > 4 or too many
// elements.
int64_t box_numel(const std::vector<int64_t>& shape) {
  if (shape.size() > static_cast<size_t>(kMaxBoxRank)) {
    throw ConfigError("Box: shape " + shape_string(shape) + " has rank " +
                      std::to_string(shape.size()) + ", at most " + std::to_string(kMaxBoxRank) +
                      " is allowed");
  }
  int64_t numel = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      throw ConfigError("Box: shape " + shape_string(shape) + " has a negative extent (" +
                        std::to_string(shape[i]) + " in dimension " + std::to_string(i) + ")");
    }
  }
  for (int64_t extent : shape) {
    if (extent == 0) return 0;
  }
  for (int64_t extent : shape) {
    if (extent > kMaxBoxElements / numel) {
      throw ConfigError("Box: shape " + shape_string(shape) + " has more than " +
                        std::to_string(kMaxBoxElements) + " elements");
    }
    numel *= extent;
  }
  return numel;
}

int64_t sum_flat_sizes(const std::vector<SpacePtr>& children) {
  int64_t total = 0;
  for (const SpacePtr& c : children) total += c ? c->flat_size() : 0;
  return total;
}

std::vector<int64_t> offsets_of(const std::vector<SpacePtr>& children) {
  std::vector<int64_t> offsets(children.size());
  int64_t at = 0;
  for (size_t i = 0; i < children.size(); ++i) {
    offsets[i] = at;
    at += children[i]->flat_size();
  }
  return offsets;
}

std::vector<SpacePtr> values_of(const std::vector<std::pair<std::string, SpacePtr>>& items) {
  std::vector<SpacePtr> out;
  out.reserve(items.size());
  for (const auto& kv : items) out.push_back(kv.second);
  return out;
}

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::discrete:
      return "Discrete";
    case Kind::box:
      return "Box";
    case Kind::multi_discrete:
      return "MultiDiscrete";
    case Kind::multi_binary:
      return "MultiBinary";
    case Kind::tuple:
      return "Tuple";
    case Kind::dict:
      return "Dict";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Space
// ---------------------------------------------------------------------------------------------

bool Space::contains(const std::vector<float>& value) const {
  if (static_cast<int64_t>(value.size()) != flat_size_) return false;
  return contains_impl(value.data());
}

std::vector<float> Space::sample(nn::Rng& rng) const {
  std::vector<float> out(static_cast<size_t>(flat_size_));
  sample_impl(rng, out.data());
  return out;
}

bool Space::operator==(const Space& other) const {
  if (this == &other) return true;
  if (kind_ != other.kind_ || flat_size_ != other.flat_size_) return false;
  return equals_same_kind(other);
}

std::string Space::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

std::string Space::value_to_string(const float* value) const {
  std::string out;
  append_value(value, out);
  return out;
}

namespace {
[[noreturn]] void throw_wrong_kind(const Space& s, const char* method, Kind wanted) {
  throw ConfigError(std::string("Space::") + method + ": " + s.to_string() + " is a " +
                    kind_name(s.kind()) + " space, not a " + kind_name(wanted));
}
}  // namespace

const DiscreteSpace& Space::as_discrete() const {
  if (kind_ != Kind::discrete) throw_wrong_kind(*this, "as_discrete", Kind::discrete);
  return static_cast<const DiscreteSpace&>(*this);
}
const BoxSpace& Space::as_box() const {
  if (kind_ != Kind::box) throw_wrong_kind(*this, "as_box", Kind::box);
  return static_cast<const BoxSpace&>(*this);
}
const MultiDiscreteSpace& Space::as_multi_discrete() const {
  if (kind_ != Kind::multi_discrete) {
    throw_wrong_kind(*this, "as_multi_discrete", Kind::multi_discrete);
  }
  return static_cast<const MultiDiscreteSpace&>(*this);
}
const MultiBinarySpace& Space::as_multi_binary() const {
  if (kind_ != Kind::multi_binary) throw_wrong_kind(*this, "as_multi_binary", Kind::multi_binary);
  return static_cast<const MultiBinarySpace&>(*this);
}
const TupleSpace& Space::as_tuple() const {
  if (kind_ != Kind::tuple) throw_wrong_kind(*this, "as_tuple", Kind::tuple);
  return static_cast<const TupleSpace&>(*this);
}
const DictSpace& Space::as_dict() const {
  if (kind_ != Kind::dict) throw_wrong_kind(*this, "as_dict", Kind::dict);
  return static_cast<const DictSpace&>(*this);
}

std::ostream& operator<<(std::ostream& os, const Space& space) {
  return os << space.to_string();
}

// ---------------------------------------------------------------------------------------------
// Discrete
// ---------------------------------------------------------------------------------------------

DiscreteSpace::DiscreteSpace(int64_t n, int64_t start)
    : Space(Kind::discrete, 1), n_(n), start_(start) {
  if (n <= 0) {
    throw ConfigError("Discrete: n must be > 0, got n = " + std::to_string(n));
  }
  // Every value start .. start + n - 1 must be an exact float. (n - 1 > limit - start is the
  // overflow-free spelling of start + n - 1 > limit.)
  if (start < -kMaxExactFloatInt || start > kMaxExactFloatInt ||
      n - 1 > kMaxExactFloatInt - start) {
    throw ConfigError("Discrete(" + std::to_string(n) + ", start=" + std::to_string(start) +
                      "): values must lie in [-" + std::to_string(kMaxExactFloatInt) + ", " +
                      std::to_string(kMaxExactFloatInt) + "], the integers a float holds exactly");
  }
}

int64_t DiscreteSpace::read(const float* value) const {
  if (!contains_impl(value)) {
    throw ValueError("Discrete::read: " + value_to_string(value) + " is not in " + to_string());
  }
  return static_cast<int64_t>(value[0]);
}

void DiscreteSpace::write(int64_t x, float* out) const {
  if (x < start_ || x > start_ + (n_ - 1)) {  // start + n - 1 <= 2^24: cannot overflow
    throw ValueError("Discrete::write: " + std::to_string(x) + " is not in " + to_string());
  }
  out[0] = static_cast<float>(x);
}

bool DiscreteSpace::contains_impl(const float* value) const {
  return is_int_in(value[0], start_, start_ + n_);
}

void DiscreteSpace::sample_impl(nn::Rng& rng, float* out) const {
  out[0] = static_cast<float>(start_ + index_below(rng, n_));
}

bool DiscreteSpace::equals_same_kind(const Space& other) const {
  const auto& o = static_cast<const DiscreteSpace&>(other);
  return n_ == o.n_ && start_ == o.start_;
}

void DiscreteSpace::append_to(std::string& out) const {
  out += "Discrete(" + std::to_string(n_);
  if (start_ != 0) out += ", start=" + std::to_string(start_);
  out += ')';
}

void DiscreteSpace::append_value(const float* value, std::string& out) const {
  append_float(out, value[0]);
}

// ---------------------------------------------------------------------------------------------
// Box
// ---------------------------------------------------------------------------------------------

BoxSpace::BoxSpace(std::vector<float> low, std::vector<float> high, std::vector<int64_t> shape)
    : Space(Kind::box, box_numel(shape)),
      low_(std::move(low)),
      high_(std::move(high)),
      shape_(std::move(shape)) {
  const int64_t n = flat_size();
  if (static_cast<int64_t>(low_.size()) != n || static_cast<int64_t>(high_.size()) != n) {
    throw ConfigError("Box: low has " + std::to_string(low_.size()) + " and high has " +
                      std::to_string(high_.size()) + " elements, but shape " +
                      shape_string(shape_) + " has " + std::to_string(n));
  }
  bounds_.resize(static_cast<size_t>(n));
  for (size_t i = 0; i < low_.size(); ++i) {
    const float lo = low_[i], hi = high_[i];
    const std::string at = "[" + std::to_string(i) + "]";
    if (std::isnan(lo) || std::isnan(hi)) {
      throw ConfigError("Box: bound is NaN at element " + std::to_string(i) + " (low" + at + " = " +
                        float_string(lo) + ", high" + at + " = " + float_string(hi) + ")");
    }
    if (lo > hi) {
      throw ConfigError("Box: low" + at + " = " + float_string(lo) + " > high" + at + " = " +
                        float_string(hi));
    }
    // low = +inf (or high = -inf) would make a box holding only an infinity; almost surely a
    // mistake, and nothing could be sampled from it sensibly.
    if (lo == std::numeric_limits<float>::infinity()) {
      throw ConfigError("Box: low" + at + " = inf, a lower bound must be below +inf");
    }
    if (hi == -std::numeric_limits<float>::infinity()) {
      throw ConfigError("Box: high" + at + " = -inf, an upper bound must be above -inf");
    }
    const bool below = std::isfinite(lo), above = std::isfinite(hi);
    bounds_[i] = below && above ? Bounds::both
                 : below        ? Bounds::below
                 : above        ? Bounds::above
                                : Bounds::none;
  }
}

bool BoxSpace::contains_impl(const float* value) const {
  const int64_t n = flat_size();
  for (int64_t i = 0; i < n; ++i) {
    // Written so that NaN (which compares false with everything) is rejected.
    if (!(value[i] >= low_[i] && value[i] <= high_[i])) return false;
  }
  return true;
}

void BoxSpace::sample_impl(nn::Rng& rng, float* out) const {
  const int64_t n = flat_size();
  for (int64_t i = 0; i < n; ++i) {
    const double lo = low_[i], hi = high_[i];
    switch (bounds_[i]) {
      case Bounds::both: {
        // In double, so that hi - lo cannot overflow; the result is in [lo, hi) before rounding,
        // and rounding to the nearest float cannot leave [lo, hi] as both ends are floats.
        const double u = static_cast<double>(rng.next_u32() >> 8) * (1.0 / 16777216.0);
        out[i] = static_cast<float>(lo + (hi - lo) * u);
        break;
      }
      case Bounds::below:
        out[i] = to_float_saturated(lo + exponential(rng));
        break;
      case Bounds::above:
        out[i] = to_float_saturated(hi - exponential(rng));
        break;
      case Bounds::none:
        out[i] = rng.normal();
        break;
    }
  }
}

bool BoxSpace::equals_same_kind(const Space& other) const {
  const auto& o = static_cast<const BoxSpace&>(other);
  return shape_ == o.shape_ && low_ == o.low_ && high_ == o.high_;
}

void BoxSpace::append_to(std::string& out) const {
  // One number when every element has the same bound, else the bounds as nested lists.
  auto append_bounds = [&](const std::vector<float>& b) {
    bool uniform = !b.empty();
    for (float v : b) uniform = uniform && v == b[0];
    if (uniform) {
      append_float(out, b[0]);
    } else {
      append_nested(out, b.data(), shape_, 0);
    }
  };
  out += "Box(";
  append_bounds(low_);
  out += ", ";
  append_bounds(high_);
  out += ", ";
  append_shape(out, shape_);
  out += ')';
}

void BoxSpace::append_value(const float* value, std::string& out) const {
  append_nested(out, value, shape_, 0);
}

// ---------------------------------------------------------------------------------------------
// MultiDiscrete
// ---------------------------------------------------------------------------------------------

MultiDiscreteSpace::MultiDiscreteSpace(std::vector<int64_t> nvec)
    : Space(Kind::multi_discrete, static_cast<int64_t>(nvec.size())), nvec_(std::move(nvec)) {
  if (nvec_.empty()) throw ConfigError("MultiDiscrete: nvec is empty, expected at least 1 entry");
  for (size_t i = 0; i < nvec_.size(); ++i) {
    if (nvec_[i] <= 0) {
      throw ConfigError("MultiDiscrete: nvec[" + std::to_string(i) +
                        "] = " + std::to_string(nvec_[i]) + ", must be > 0");
    }
    if (nvec_[i] - 1 > kMaxExactFloatInt) {
      throw ConfigError("MultiDiscrete: nvec[" + std::to_string(i) +
                        "] = " + std::to_string(nvec_[i]) + ", must be at most " +
                        std::to_string(kMaxExactFloatInt + 1) +
                        " so that a float holds every value exactly");
    }
  }
}

bool MultiDiscreteSpace::contains_impl(const float* value) const {
  for (size_t i = 0; i < nvec_.size(); ++i) {
    if (!is_int_in(value[i], 0, nvec_[i])) return false;
  }
  return true;
}

void MultiDiscreteSpace::sample_impl(nn::Rng& rng, float* out) const {
  for (size_t i = 0; i < nvec_.size(); ++i) {
    out[i] = static_cast<float>(index_below(rng, nvec_[i]));
  }
}

bool MultiDiscreteSpace::equals_same_kind(const Space& other) const {
  return nvec_ == static_cast<const MultiDiscreteSpace&>(other).nvec_;
}

void MultiDiscreteSpace::append_to(std::string& out) const {
  out += "MultiDiscrete(";
  append_int_list(out, nvec_);
  out += ')';
}

void MultiDiscreteSpace::append_value(const float* value, std::string& out) const {
  append_float_list(out, value, flat_size());
}

// ---------------------------------------------------------------------------------------------
// MultiBinary
// ---------------------------------------------------------------------------------------------

MultiBinarySpace::MultiBinarySpace(int64_t n) : Space(Kind::multi_binary, n) {
  if (n <= 0) throw ConfigError("MultiBinary: n must be > 0, got n = " + std::to_string(n));
}

bool MultiBinarySpace::contains_impl(const float* value) const {
  const int64_t n = flat_size();
  for (int64_t i = 0; i < n; ++i) {
    if (!(value[i] == 0.0f || value[i] == 1.0f)) return false;
  }
  return true;
}

void MultiBinarySpace::sample_impl(nn::Rng& rng, float* out) const {
  const int64_t n = flat_size();
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(rng.next_u32() >> 31);
}

bool MultiBinarySpace::equals_same_kind(const Space&) const {
  return true;  // the flat sizes (= n) were already compared
}

void MultiBinarySpace::append_to(std::string& out) const {
  out += "MultiBinary(" + std::to_string(flat_size()) + ")";
}

void MultiBinarySpace::append_value(const float* value, std::string& out) const {
  append_float_list(out, value, flat_size());
}

// ---------------------------------------------------------------------------------------------
// Tuple
// ---------------------------------------------------------------------------------------------

TupleSpace::TupleSpace(std::vector<SpacePtr> children)
    : Space(Kind::tuple, sum_flat_sizes(children)), children_(std::move(children)) {
  for (size_t i = 0; i < children_.size(); ++i) {
    if (!children_[i]) {
      throw ConfigError("Tuple: child " + std::to_string(i) + " of " +
                        std::to_string(children_.size()) + " is null");
    }
  }
  offsets_ = offsets_of(children_);
}

const Space& TupleSpace::child(size_t i) const {
  if (i >= children_.size()) {
    throw ValueError("Tuple::child: index " + std::to_string(i) + " out of range for " +
                     to_string() + " (" + std::to_string(children_.size()) + " children)");
  }
  return *children_[i];
}

int64_t TupleSpace::offset_of(size_t i) const {
  if (i >= children_.size()) {
    throw ValueError("Tuple::offset_of: index " + std::to_string(i) + " out of range for " +
                     to_string() + " (" + std::to_string(children_.size()) + " children)");
  }
  return offsets_[i];
}

bool TupleSpace::contains_impl(const float* value) const {
  for (size_t i = 0; i < children_.size(); ++i) {
    if (!children_[i]->contains(value + offsets_[i])) return false;
  }
  return true;
}

void TupleSpace::sample_impl(nn::Rng& rng, float* out) const {
  for (size_t i = 0; i < children_.size(); ++i) children_[i]->sample(rng, out + offsets_[i]);
}

bool TupleSpace::equals_same_kind(const Space& other) const {
  const auto& o = static_cast<const TupleSpace&>(other);
  if (children_.size() != o.children_.size()) return false;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (*children_[i] != *o.children_[i]) return false;
  }
  return true;
}

void TupleSpace::append_to(std::string& out) const {
  out += "Tuple(";
  for (size_t i = 0; i < children_.size(); ++i) {
    if (i > 0) out += ", ";
    children_[i]->append_to(out);
  }
  out += ')';
}

void TupleSpace::append_value(const float* value, std::string& out) const {
  out += '(';
  for (size_t i = 0; i < children_.size(); ++i) {
    if (i > 0) out += ", ";
    children_[i]->append_value(value + offsets_[i], out);
  }
  if (children_.size() == 1) out += ',';  // Python's one-element tuple, as for shapes
  out += ')';
}

// ---------------------------------------------------------------------------------------------
// Dict
// ---------------------------------------------------------------------------------------------

DictSpace::DictSpace(std::vector<std::pair<std::string, SpacePtr>> items)
    : Space(Kind::dict, sum_flat_sizes(values_of(items))) {
  keys_.reserve(items.size());
  children_.reserve(items.size());
  for (auto& kv : items) {
    if (!kv.second) throw ConfigError("Dict: the space of key '" + kv.first + "' is null");
    if (find(kv.first) >= 0) throw ConfigError("Dict: key '" + kv.first + "' is given twice");
    keys_.push_back(std::move(kv.first));
    children_.push_back(std::move(kv.second));
  }
  offsets_ = offsets_of(children_);
}

int64_t DictSpace::find(const std::string& key) const {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return static_cast<int64_t>(i);
  }
  return -1;
}

size_t DictSpace::index_of(const std::string& key) const {
  int64_t i = find(key);
  if (i < 0) {
    std::string keys;
    for (size_t k = 0; k < keys_.size(); ++k) keys += (k > 0 ? ", " : "") + keys_[k];
    throw ConfigError("Dict: no key '" + key + "' (keys: " + keys + ")");
  }
  return static_cast<size_t>(i);
}

const Space& DictSpace::child(const std::string& key) const {
  return *children_[index_of(key)];
}

int64_t DictSpace::offset_of(const std::string& key) const {
  return offsets_[index_of(key)];
}

bool DictSpace::contains_impl(const float* value) const {
  for (size_t i = 0; i < children_.size(); ++i) {
    if (!children_[i]->contains(value + offsets_[i])) return false;
  }
  return true;
}

void DictSpace::sample_impl(nn::Rng& rng, float* out) const {
  for (size_t i = 0; i < children_.size(); ++i) children_[i]->sample(rng, out + offsets_[i]);
}

bool DictSpace::equals_same_kind(const Space& other) const {
  const auto& o = static_cast<const DictSpace&>(other);
  if (keys_ != o.keys_) return false;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (*children_[i] != *o.children_[i]) return false;
  }
  return true;
}

void DictSpace::append_to(std::string& out) const {
  out += "Dict(";
  for (size_t i = 0; i < children_.size(); ++i) {
    if (i > 0) out += ", ";
    out += keys_[i];
    out += ": ";
    children_[i]->append_to(out);
  }
  out += ')';
}

void DictSpace::append_value(const float* value, std::string& out) const {
  out += '{';
  for (size_t i = 0; i < children_.size(); ++i) {
    if (i > 0) out += ", ";
    out += keys_[i];
    out += ": ";
    children_[i]->append_value(value + offsets_[i], out);
  }
  out += '}';
}

// ---------------------------------------------------------------------------------------------
// Factories
// ---------------------------------------------------------------------------------------------

SpacePtr discrete(int64_t n, int64_t start) {
  return std::make_shared<DiscreteSpace>(n, start);
}

SpacePtr box(float low, float high, std::vector<int64_t> shape) {
  // Check the scalars first, so the message names them rather than element 0.
  if (std::isnan(low) || std::isnan(high)) {
    throw ConfigError("Box: bound is NaN (low = " + float_string(low) +
                      ", high = " + float_string(high) + ")");
  }
  if (low > high) {
    throw ConfigError("Box: low = " + float_string(low) + " > high = " + float_string(high));
  }
  const auto n = static_cast<size_t>(box_numel(shape));
  return std::make_shared<BoxSpace>(std::vector<float>(n, low), std::vector<float>(n, high),
                                    std::move(shape));
}

SpacePtr box(std::vector<float> low, std::vector<float> high, std::vector<int64_t> shape) {
  return std::make_shared<BoxSpace>(std::move(low), std::move(high), std::move(shape));
}

SpacePtr multi_discrete(std::vector<int64_t> nvec) {
  return std::make_shared<MultiDiscreteSpace>(std::move(nvec));
}

SpacePtr multi_binary(int64_t n) {
  return std::make_shared<MultiBinarySpace>(n);
}

SpacePtr tuple_space(std::vector<SpacePtr> children) {
  return std::make_shared<TupleSpace>(std::move(children));
}

SpacePtr dict_space(std::vector<std::pair<std::string, SpacePtr>> items) {
  return std::make_shared<DictSpace>(std::move(items));
}

}  // namespace phantom
