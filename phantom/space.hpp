// Observation and action spaces: Discrete, Box, MultiDiscrete, MultiBinary, Tuple and Dict.
//
// A space describes a set of values. Every value of every space is a flat, contiguous buffer of
// `flat_size()` floats, so observations and actions of many agents or envs stack into one tensor
// without any per-element allocation or type erasure:
//
//   Discrete(n, start)   1 float holding an exact integer in [start, start + n)
//   Box(low, high, shape) the elements in row-major order, low <= x <= high
//   MultiDiscrete(nvec)  k floats, entry i an exact integer in [0, nvec[i])
//   MultiBinary(n)       n floats, each exactly 0 or 1
//   Tuple(s1, s2, ...)   the children's buffers concatenated in order
//   Dict(k1: s1, ...)    the children's buffers concatenated in key insertion order
//
// So a value of Tuple(Discrete(3), Box(0, 1, (2,))) is 3 floats: [index, x0, x1].
//
// Spaces are immutable once built and shared as SpacePtr (a shared_ptr to const). Build them with
// the factory functions at the bottom of this file; invalid arguments throw ConfigError. The
// semantics of contains() and sample() follow gymnasium; docs/SPACES.md lists the differences.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/error.hpp"
#include "nn/rng.hpp"

namespace phantom {

enum class Kind { discrete, box, multi_discrete, multi_binary, tuple, dict };

/// "Discrete", "Box", "MultiDiscrete", "MultiBinary", "Tuple" or "Dict".
const char* kind_name(Kind kind);

class Space;
class DiscreteSpace;
class BoxSpace;
class MultiDiscreteSpace;
class MultiBinarySpace;
class TupleSpace;
class DictSpace;

using SpacePtr = std::shared_ptr<const Space>;

/// The largest integer magnitude a float holds exactly (2^24). Discrete and MultiDiscrete values
/// must stay within it, so that every value they contain is exact in a float buffer.
constexpr int64_t kMaxExactFloatInt = int64_t{1} << 24;

/// The interface shared by every space. Values are passed as `const float*` pointing at
/// flat_size() floats; the pointer forms of contains() and sample() never allocate.
class Space {
 public:
  virtual ~Space() = default;
  Space(const Space&) = delete;
  Space& operator=(const Space&) = delete;

  Kind kind() const { return kind_; }
  /// Number of floats in a value of this space.
  int64_t flat_size() const { return flat_size_; }

  /// True if the flat_size() floats at `value` are a member of this space.
  bool contains(const float* value) const { return contains_impl(value); }
  /// Same, and false if the vector does not hold exactly flat_size() floats.
  bool contains(const std::vector<float>& value) const;

  /// Writes a random member into out[0, flat_size()). Draws a fixed number of words from `rng`
  /// for a given space (never a data-dependent number), so streams stay in lockstep.
  void sample(nn::Rng& rng, float* out) const { sample_impl(rng, out); }
  /// Same, into a new vector.
  std::vector<float> sample(nn::Rng& rng) const;

  /// Structural equality: same kind, same parameters, same children (and keys) in order.
  bool operator==(const Space& other) const;
  bool operator!=(const Space& other) const { return !(*this == other); }

  /// E.g. "Discrete(3)", "Box(0, 1, (3,))", "Dict(a: Discrete(2), b: MultiBinary(4))".
  std::string to_string() const;
  /// A value for logs and telemetry, e.g. "2" (Discrete), "[0.5, 0.25]" (Box), "(2, [0.5])"
  /// (Tuple), "{a: 1, b: [0, 1]}" (Dict). Never throws, even for a value not in the space.
  std::string value_to_string(const float* value) const;

  /// The concrete space; throw ConfigError naming the actual kind when it is another one. The
  /// reference lives as long as this space: keep the SpacePtr, not `discrete(3)->as_discrete()`.
  const DiscreteSpace& as_discrete() const;
  const BoxSpace& as_box() const;
  const MultiDiscreteSpace& as_multi_discrete() const;
  const MultiBinarySpace& as_multi_binary() const;
  const TupleSpace& as_tuple() const;
  const DictSpace& as_dict() const;

  // Building blocks of to_string / value_to_string, so composite spaces append their children
  // into one string instead of concatenating temporaries.
  virtual void append_to(std::string& out) const = 0;
  virtual void append_value(const float* value, std::string& out) const = 0;

 protected:
  Space(Kind kind, int64_t flat_size) : kind_(kind), flat_size_(flat_size) {}

 private:
  virtual bool contains_impl(const float* value) const = 0;
  virtual void sample_impl(nn::Rng& rng, float* out) const = 0;
  // Called only with a space of the same kind.
  virtual bool equals_same_kind(const Space& other) const = 0;

  const Kind kind_;
  const int64_t flat_size_;
};

std::ostream& operator<<(std::ostream& os, const Space& space);

/// One integer in [start, start + n), stored as an exact float (1 float). contains() requires an
/// exact integer in range; sample() is uniform (2 words).
class DiscreteSpace final : public Space {
 public:
  explicit DiscreteSpace(int64_t n, int64_t start = 0);

  int64_t n() const { return n_; }
  int64_t start() const { return start_; }

  /// The integer held by `value`; throws ValueError if the value is not in the space.
  int64_t read(const float* value) const;
  /// Writes the integer x into out[0]; throws ValueError if x is not in [start, start + n).
  void write(int64_t x, float* out) const;

  void append_to(std::string& out) const override;
  void append_value(const float* value, std::string& out) const override;

 private:
  bool contains_impl(const float* value) const override;
  void sample_impl(nn::Rng& rng, float* out) const override;
  bool equals_same_kind(const Space& other) const override;

  int64_t n_;
  int64_t start_;
};

/// A box of float32 values with per-element bounds low[i] <= x[i] <= high[i] (infinite bounds
/// allowed), stored row-major (prod(shape) floats, rank 0..4). contains() rejects NaN. sample()
/// per element: bounded both sides -> uniform in [low, high] (1 word); unbounded -> standard
/// normal (4 words); bounded below only -> low + Exp(1); above only -> high - Exp(1) (2 words).
class BoxSpace final : public Space {
 public:
  BoxSpace(std::vector<float> low, std::vector<float> high, std::vector<int64_t> shape);

  const std::vector<float>& low() const { return low_; }
  const std::vector<float>& high() const { return high_; }
  const std::vector<int64_t>& shape() const { return shape_; }

  void append_to(std::string& out) const override;
  void append_value(const float* value, std::string& out) const override;

 private:
  // How an element is sampled, decided once from its bounds.
  enum class Bounds : uint8_t { both, below, above, none };

  bool contains_impl(const float* value) const override;
  void sample_impl(nn::Rng& rng, float* out) const override;
  bool equals_same_kind(const Space& other) const override;

  std::vector<float> low_;
  std::vector<float> high_;
  std::vector<int64_t> shape_;
  std::vector<Bounds> bounds_;
};

/// k integers, entry i in [0, nvec[i]), stored as exact floats (k floats). contains() requires
/// exact integers in range; sample() is uniform per entry (2 words each).
class MultiDiscreteSpace final : public Space {
 public:
  explicit MultiDiscreteSpace(std::vector<int64_t> nvec);

  const std::vector<int64_t>& nvec() const { return nvec_; }

  void append_to(std::string& out) const override;
  void append_value(const float* value, std::string& out) const override;

 private:
  bool contains_impl(const float* value) const override;
  void sample_impl(nn::Rng& rng, float* out) const override;
  bool equals_same_kind(const Space& other) const override;

  std::vector<int64_t> nvec_;
};

/// n bits, each stored as exactly 0.0f or 1.0f (n floats). sample() is uniform (1 word per bit).
class MultiBinarySpace final : public Space {
 public:
  explicit MultiBinarySpace(int64_t n);

  int64_t n() const { return flat_size(); }

  void append_to(std::string& out) const override;
  void append_value(const float* value, std::string& out) const override;

 private:
  bool contains_impl(const float* value) const override;
  void sample_impl(nn::Rng& rng, float* out) const override;
  bool equals_same_kind(const Space& other) const override;
};

/// An ordered product of spaces: the children's values concatenated in order. contains() and
/// sample() recurse into each child in order.
class TupleSpace final : public Space {
 public:
  explicit TupleSpace(std::vector<SpacePtr> children);

  size_t size() const { return children_.size(); }
  const std::vector<SpacePtr>& children() const { return children_; }
  /// Child i; throws ValueError if i >= size().
  const Space& child(size_t i) const;
  /// Flat offset of child i's sub-buffer; throws ValueError if i >= size().
  int64_t offset_of(size_t i) const;

  void append_to(std::string& out) const override;
  void append_value(const float* value, std::string& out) const override;

 private:
  bool contains_impl(const float* value) const override;
  void sample_impl(nn::Rng& rng, float* out) const override;
  bool equals_same_kind(const Space& other) const override;

  std::vector<SpacePtr> children_;
  std::vector<int64_t> offsets_;
};

/// Named spaces in insertion order (unlike gymnasium, keys are never sorted): the children's
/// values concatenated in that order. contains() and sample() recurse in that order.
class DictSpace final : public Space {
 public:
  explicit DictSpace(std::vector<std::pair<std::string, SpacePtr>> items);

  size_t size() const { return keys_.size(); }
  const std::vector<std::string>& keys() const { return keys_; }
  const std::vector<SpacePtr>& children() const { return children_; }
  bool has_key(const std::string& key) const { return find(key) >= 0; }
  /// The space of `key`; throws ConfigError naming the key and listing the keys if unknown.
  const Space& child(const std::string& key) const;
  /// Flat offset of the sub-buffer of `key`; throws ConfigError like child().
  int64_t offset_of(const std::string& key) const;

  void append_to(std::string& out) const override;
  void append_value(const float* value, std::string& out) const override;

 private:
  bool contains_impl(const float* value) const override;
  void sample_impl(nn::Rng& rng, float* out) const override;
  bool equals_same_kind(const Space& other) const override;
  // Index of `key` in keys_, or -1. A linear scan: dicts are small and this is not a hot path
  // (look offsets up once, then use them).
  int64_t find(const std::string& key) const;
  size_t index_of(const std::string& key) const;  // throws ConfigError if unknown

  std::vector<std::string> keys_;
  std::vector<SpacePtr> children_;
  std::vector<int64_t> offsets_;
};

// Factories. Each validates its arguments and throws ConfigError naming the space and the bad
// value: n <= 0, low > high, NaN bounds, nvec empty or with an entry <= 0, a negative extent,
// rank > 4, bounds not matching the shape, a null child, a duplicate key, or integer values a
// float cannot hold exactly (beyond +-2^24).

SpacePtr discrete(int64_t n, int64_t start = 0);
/// The same bounds for every element.
SpacePtr box(float low, float high, std::vector<int64_t> shape);
/// Per-element bounds, row-major, one per element of `shape`; -inf / +inf allowed.
SpacePtr box(std::vector<float> low, std::vector<float> high, std::vector<int64_t> shape);
SpacePtr multi_discrete(std::vector<int64_t> nvec);
SpacePtr multi_binary(int64_t n);
SpacePtr tuple_space(std::vector<SpacePtr> children);
SpacePtr dict_space(std::vector<std::pair<std::string, SpacePtr>> items);

}  // namespace phantom
