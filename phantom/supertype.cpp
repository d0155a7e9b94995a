// Supertypes: field sources, sampling, and the observation-space view of a supertype.
#include "phantom/supertype.hpp"

#include <algorithm>
#include <typeinfo>

#include "phantom/format.hpp"
#include "phantom/type_id.hpp"

namespace phantom {

// ---- FieldSource ----

void FieldSource::check_not_null(const void* p, const char* what) {
  if (!p) throw ConfigError(std::string("supertype field: the ") + what + " is null");
}

std::string FieldSource::to_string() const {
  switch (kind_) {
    case Kind::sampler:
      return sampler_->to_string();
    case Kind::range:
      return range_->to_string();
    case Kind::fixed:
      break;
  }
  std::string s;
  if (array_) {
    append_float_list(s, fixed_.data(), static_cast<int64_t>(fixed_.size()));
  } else {
    append_float(s, fixed_[0]);
  }
  return s;
}

// ---- SupertypeField ----

namespace {

// Floats in one value of a source; ranges deliver one float per grid point.
std::size_t source_size(const FieldSource& source) {
  switch (source.kind()) {
    case FieldSource::Kind::fixed:
      return source.fixed().size();
    case FieldSource::Kind::sampler:
      return source.sampler()->flat_size();
    case FieldSource::Kind::range:
      return 1;
  }
  return 0;
}

}  // namespace

SupertypeField::SupertypeField(Supertype* owner, std::string name, std::vector<int64_t> shape,
                               FieldSource source)
    : owner_(owner), name_(std::move(name)), shape_(std::move(shape)), source_(1.0f) {
  if (!owner_) throw ConfigError("supertype field '" + name_ + "': the owner is null");
  if (name_.empty()) throw ConfigError(owner_->type_name() + ": a field name must not be empty");
  for (const SupertypeField* f : owner_->fields_) {
    if (f->name_ == name_) {
      throw ConfigError(owner_->type_name() + ": two fields are called '" + name_ + "'");
    }
  }
  std::size_t size = 1;
  for (int64_t d : shape_) size *= static_cast<std::size_t>(d);
  value_.assign(size, 0.0f);
  set(std::move(source));
  owner_->fields_.push_back(this);
}

std::string SupertypeField::where() const {
  return "field '" + name_ + "' of " + owner_->type_name();
}

void SupertypeField::set(FieldSource source) {
  std::size_t size = source_size(source);
  if (size != value_.size()) {
    throw ConfigError(where() + " holds " + std::to_string(value_.size()) +
                      " float(s), but its new source " + source.to_string() + " gives " +
                      std::to_string(size));
  }
  source_ = std::move(source);
  has_value_ = source_.kind() == FieldSource::Kind::fixed;
  if (has_value_) std::copy(source_.fixed().begin(), source_.fixed().end(), value_.begin());
}

const float* SupertypeField::data() const {
  if (!has_value_) {
    if (source_.kind() == FieldSource::Kind::range) {
      throw ValueError(where() + " is a Range (" + source_.to_string() +
                       "); a rollout sets it to one of the range's values before an episode");
    }
    throw ValueError(where() +
                     " has no value yet: its sampler is drawn when the agent or env "
                     "resets");
  }
  return value_.data();
}

void SupertypeField::sample(nn::Rng& rng, bool managed) {
  switch (source_.kind()) {
    case FieldSource::Kind::fixed:
      return;  // set() already copied the value
    case FieldSource::Kind::range:
      throw ConfigError(where() + " is a Range (" + source_.to_string() +
                        "); ranges are for rollouts, which replace them by their values");
    case FieldSource::Kind::sampler:
      break;
  }
  Sampler& sampler = *source_.sampler();
  if (!managed) sampler.sample(rng);
  if (!sampler.has_value()) {
    throw ValueError(where() + ": its sampler " + sampler.to_string() +
                     " has not been drawn; a managed supertype's samplers are drawn by its env "
                     "at reset()");
  }
  std::copy(sampler.values().begin(), sampler.values().end(), value_.begin());
  has_value_ = true;
}

// ---- ArrayField ----

namespace {

std::vector<int64_t> array_shape(const FieldSource& source) {
  return {static_cast<int64_t>(source_size(source))};
}

}  // namespace

ArrayField::ArrayField(Supertype* owner, std::string name, FieldSource source)
    : SupertypeField(owner, std::move(name), array_shape(source), source) {}

// ---- Supertype ----

std::string Supertype::type_name() const {
  return demangle(typeid(*this));
}

SupertypeField& Supertype::field(const std::string& name) const {
  for (SupertypeField* f : fields_)
    if (f->name() == name) return *f;
  std::string known;
  for (const SupertypeField* f : fields_) known += (known.empty() ? "" : ", ") + f->name();
  throw ConfigError(type_name() + " has no field '" + name +
                    "' (its fields: " + (known.empty() ? "none" : known) + ")");
}

void Supertype::set(const std::vector<std::pair<std::string, FieldSource>>& values) {
  for (const auto& kv : values) (void)field(kv.first);  // every name first: all or nothing
  for (const auto& kv : values) field(kv.first).set(kv.second);
}

void Supertype::sample(nn::Rng& rng) {
  for (SupertypeField* f : fields_) f->sample(rng, managed_);
}

void Supertype::collect_samplers(std::vector<Sampler*>& out) const {
  for (const SupertypeField* f : fields_) {
    Sampler* s = f->source().sampler().get();
    if (s && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
}

std::vector<SupertypeField*> Supertype::range_fields() const {
  std::vector<SupertypeField*> out;
  for (SupertypeField* f : fields_)
    if (f->source().kind() == FieldSource::Kind::range) out.push_back(f);
  return out;
}

SpacePtr Supertype::to_obs_space(float low, float high) const {
  std::vector<std::pair<std::string, SpacePtr>> items;
  for (const SupertypeField* f : fields_) {
    items.emplace_back(f->name(), box(low, high, {static_cast<int64_t>(f->flat_size())}));
  }
  return dict_space(std::move(items));
}

std::size_t Supertype::flat_size() const {
  std::size_t n = 0;
  for (const SupertypeField* f : fields_) n += f->flat_size();
  return n;
}

void Supertype::write_values(float* out) const {
  for (const SupertypeField* f : fields_) out = std::copy_n(f->data(), f->flat_size(), out);
}

std::vector<float> Supertype::values() const {
  std::vector<float> out(flat_size());
  write_values(out.data());
  return out;
}

std::string Supertype::to_string() const {
  std::string s = unqualified(type_name()) + "(";
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (i > 0) s += ", ";
    s += fields_[i]->name() + "=" + fields_[i]->source().to_string();
  }
  return s + ")";
}

}  // namespace phantom
