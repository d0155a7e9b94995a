// Supertypes: the parameters of an agent (or of an env) that may change from episode to episode.
//
// A supertype is a struct of named fields. Each field has a *source* — a fixed value, a Sampler
// (redrawn at every episode) or a Range (an axis of a rollout grid) — and the *value* it holds for
// the current episode. Python Phantom keeps these apart as a supertype and the "type" sampled from
// it; here one object holds both, so an agent reads its episode's parameters straight from its
// supertype:
//
//   struct ShopType : phantom::Supertype {
//     phantom::Field cost_per_unit{this, "cost_per_unit", 0.1f};
//     phantom::Field price{this, "price", phantom::uniform(1.0f, 2.0f)};
//     phantom::ArrayField weights{this, "weights", std::vector<float>{0.5f, 0.5f}};
//   };
//   ...
//   float p = type.price.value();    // this episode's price
//
// Fields register themselves with their supertype in declaration order, which is the order of
// set(), to_string(), to_obs_space() and values(). Because fields point at their owner, a
// supertype cannot be copied or moved; share it through std::shared_ptr.
//
// Sampling (sample(rng)) gives every field its value for the episode:
//  * a fixed value is the value;
//  * a sampler is drawn with `rng` first, unless the supertype is *managed*: an env that manages
//    a supertype draws each of its samplers once per reset itself (so one sampler shared by
//    several supertypes gives them all the same value), and the supertype only reads them;
//  * a Range is an error: the rollout runner replaces each Range by one of its values before an
//    episode runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/range.hpp"
#include "phantom/sampler.hpp"
#include "phantom/space.hpp"

namespace phantom {

class Supertype;

/// Where a field's value comes from: a fixed value (a scalar or an array of floats), a Sampler
/// or a Range. Converts implicitly from each, so `field = 2.0f`, `field = uniform(0, 1)` and
/// `field = linspace_range(0, 1, 5)` all read naturally.
class FieldSource {
 public:
  enum class Kind { fixed, sampler, range };

  FieldSource(float value) : kind_(Kind::fixed), fixed_{value} {}  // NOLINT: implicit on purpose
  FieldSource(double value) : FieldSource(static_cast<float>(value)) {}  // NOLINT
  FieldSource(int value) : FieldSource(static_cast<float>(value)) {}     // NOLINT
  FieldSource(std::vector<float> values)                                 // NOLINT
      : kind_(Kind::fixed), fixed_(std::move(values)), array_(true) {}
  template <class S, std::enable_if_t<std::is_base_of<Sampler, S>::value, int> = 0>
  FieldSource(std::shared_ptr<S> sampler)  // NOLINT
      : kind_(Kind::sampler), sampler_(std::move(sampler)) {
    check_not_null(sampler_.get(), "sampler");
  }
  template <class R, std::enable_if_t<std::is_base_of<Range, R>::value, int> = 0>
  FieldSource(std::shared_ptr<R> range)  // NOLINT
      : kind_(Kind::range), range_(std::move(range)) {
    check_not_null(range_.get(), "range");
  }

  Kind kind() const { return kind_; }
  /// The fixed value (empty unless kind() == fixed).
  const std::vector<float>& fixed() const { return fixed_; }
  /// True for a fixed value given as an array (even of one element) rather than a scalar.
  bool fixed_is_array() const { return array_; }
  const std::shared_ptr<Sampler>& sampler() const { return sampler_; }
  const std::shared_ptr<const Range>& range() const { return range_; }
  /// "0.5", "[1, 2]", the sampler's or the range's to_string().
  std::string to_string() const;

 private:
  static void check_not_null(const void* p, const char* what);

  Kind kind_;
  std::vector<float> fixed_;
  bool array_ = false;
  std::shared_ptr<Sampler> sampler_;
  std::shared_ptr<const Range> range_;
};

/// One named field of a supertype: its source and its value for the current episode, a flat
/// float buffer of a fixed size (1 for a scalar field).
class SupertypeField {
 public:
  virtual ~SupertypeField() = default;
  SupertypeField(const SupertypeField&) = delete;
  SupertypeField& operator=(const SupertypeField&) = delete;

  const std::string& name() const { return name_; }
  /// {} for a scalar field, {n} for an array field.
  const std::vector<int64_t>& shape() const { return shape_; }
  std::size_t flat_size() const { return value_.size(); }
  const FieldSource& source() const { return source_; }

  /// Replaces the source. Throws ConfigError (naming the supertype and field) if a fixed value
  /// or a sampler does not have this field's size. A fixed value is the value at once.
  void set(FieldSource source);
  /// True once the field holds a value (a fixed value, or a sampler after sample()).
  bool has_value() const { return has_value_; }
  /// The current value, flat_size() floats. Throws ValueError if the field has no value yet
  /// (a sampler before the first reset, or a Range).
  const float* data() const;

 protected:
  SupertypeField(Supertype* owner, std::string name, std::vector<int64_t> shape,
                 FieldSource source);

 private:
  friend class Supertype;
  /// Takes this episode's value from the source; draws the sampler with `rng` unless `managed`.
  void sample(nn::Rng& rng, bool managed);
  std::string where() const;

  Supertype* owner_;
  std::string name_;
  std::vector<int64_t> shape_;
  FieldSource source_;
  std::vector<float> value_;
  bool has_value_ = false;
};

/// A scalar field: a float parameter (integers are exact up to 2^24).
class Field : public SupertypeField {
 public:
  Field(Supertype* owner, std::string name, FieldSource source)
      : SupertypeField(owner, std::move(name), {}, std::move(source)) {}
  Field& operator=(FieldSource source) {
    set(std::move(source));
    return *this;
  }
  /// This episode's value (throws ValueError before it has one; see data()).
  float value() const { return *data(); }
};

/// An array field of a fixed length (the length of its first source: a fixed array or an array
/// sampler).
class ArrayField : public SupertypeField {
 public:
  ArrayField(Supertype* owner, std::string name, FieldSource source);
  ArrayField& operator=(FieldSource source) {
    set(std::move(source));
    return *this;
  }
  /// This episode's values (throws ValueError before they exist; see data()).
  const float* values() const { return data(); }
  std::size_t size() const { return flat_size(); }
};

/// The base of every supertype: a list of fields, sampled together.
class Supertype {
 public:
  virtual ~Supertype() = default;
  Supertype(const Supertype&) = delete;
  Supertype& operator=(const Supertype&) = delete;

  /// The class name, e.g. "supply_chain::ShopType".
  std::string type_name() const;
  /// The fields in declaration order.
  const std::vector<SupertypeField*>& fields() const { return fields_; }
  /// The field called `name`; throws ConfigError naming the supertype and listing its fields.
  SupertypeField& field(const std::string& name) const;

  /// Sets fields by name, like Python's dict form {"price": uniform(1, 2)}. An unknown name
  /// throws ConfigError before any field changes.
  void set(const std::vector<std::pair<std::string, FieldSource>>& values);
  void set(const std::string& name, FieldSource source) { field(name).set(std::move(source)); }

  /// Gives every field its value for the episode (see the top of this file).
  void sample(nn::Rng& rng);
  /// Managed: the env draws the samplers; sample() only reads them.
  bool managed() const { return managed_; }
  void set_managed(bool managed) { managed_ = managed; }

  /// Appends the samplers of the fields, in field order, skipping those already in `out`.
  void collect_samplers(std::vector<Sampler*>& out) const;
  /// The fields whose source is a Range.
  std::vector<SupertypeField*> range_fields() const;

  /// A Dict space with one Box(low, high) per field: shape (1,) for a scalar field, (n,) for an
  /// array field (Python's to_obs_space, for the fields a C++ supertype can hold).
  SpacePtr to_obs_space(float low = -std::numeric_limits<float>::infinity(),
                        float high = std::numeric_limits<float>::infinity()) const;
  /// Floats in a value of to_obs_space().
  std::size_t flat_size() const;
  /// The current values in to_obs_space()'s layout (Python's to_obs_space_compatible_type).
  /// Throws ValueError if a field has no value yet.
  void write_values(float* out) const;
  std::vector<float> values() const;

  /// "ShopType(cost_per_unit=0.1, price=<UniformFloatSampler low=1 high=2 value=1.5>)".
  std::string to_string() const;

 protected:
  Supertype() = default;

 private:
  friend class SupertypeField;
  std::vector<SupertypeField*> fields_;
  bool managed_ = false;
};

}  // namespace phantom
