// Encoders: the empty and constant encoders and the two composites.
#include "phantom/encoder.hpp"

#include <algorithm>
#include <limits>

#include "phantom/error.hpp"

namespace phantom {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Appends the parts of `first` (its own parts if it is a chain) and then `others`.
std::vector<EncoderPtr> chain_parts(const EncoderPtr& first, std::vector<EncoderPtr> others) {
  if (!first) throw ConfigError("chain: the first encoder is null");
  std::vector<EncoderPtr> parts;
  if (const auto* chained = dynamic_cast<const ChainedEncoder*>(first.get())) {
    parts = chained->encoders();
  } else {
    parts.push_back(first);
  }
  for (auto& e : others) parts.push_back(std::move(e));
  return parts;
}

}  // namespace

void Encoder::reset(nn::Rng&) {}

EmptyEncoder::EmptyEncoder() : space_(box(-kInf, kInf, {1})) {}

bool EmptyEncoder::encode(Context&, float* out) {
  out[0] = 0.0f;
  return true;
}

ConstantEncoder::ConstantEncoder(std::vector<int64_t> shape, float value)
    : space_(box(-kInf, kInf, std::move(shape))), value_(value) {}

bool ConstantEncoder::encode(Context&, float* out) {
  std::fill(out, out + space_->flat_size(), value_);
  return true;
}

ChainedEncoder::ChainedEncoder(std::vector<EncoderPtr> encoders) : encoders_(std::move(encoders)) {
  std::vector<SpacePtr> spaces;
  spaces.reserve(encoders_.size());
  for (std::size_t i = 0; i < encoders_.size(); ++i) {
    if (!encoders_[i])
      throw ConfigError("ChainedEncoder: encoder " + std::to_string(i) + " is null");
    spaces.push_back(encoders_[i]->observation_space());
  }
  space_ = tuple_space(std::move(spaces));
  const TupleSpace& t = space_->as_tuple();
  for (std::size_t i = 0; i < t.size(); ++i) offsets_.push_back(t.offset_of(i));
}

bool ChainedEncoder::encode(Context& ctx, float* out) {
  for (std::size_t i = 0; i < encoders_.size(); ++i) {
    float* slice = out + offsets_[i];
    if (!encoders_[i]->encode(ctx, slice)) {
      std::fill(slice, slice + encoders_[i]->observation_space()->flat_size(), 0.0f);
    }
  }
  return true;
}

void ChainedEncoder::reset(nn::Rng& rng) {
  for (auto& e : encoders_) e->reset(rng);
}

DictEncoder::DictEncoder(std::vector<std::pair<std::string, EncoderPtr>> encoders)
    : encoders_(std::move(encoders)) {
  std::vector<std::pair<std::string, SpacePtr>> spaces;
  spaces.reserve(encoders_.size());
  for (const auto& kv : encoders_) {
    if (!kv.second) throw ConfigError("DictEncoder: the encoder of key '" + kv.first + "' is null");
    spaces.emplace_back(kv.first, kv.second->observation_space());
  }
  space_ = dict_space(std::move(spaces));  // rejects duplicate keys
  const DictSpace& d = space_->as_dict();
  for (const auto& key : d.keys()) offsets_.push_back(d.offset_of(key));
}

bool DictEncoder::encode(Context& ctx, float* out) {
  for (std::size_t i = 0; i < encoders_.size(); ++i) {
    Encoder& e = *encoders_[i].second;
    float* slice = out + offsets_[i];
    if (!e.encode(ctx, slice)) std::fill(slice, slice + e.observation_space()->flat_size(), 0.0f);
  }
  return true;
}

void DictEncoder::reset(nn::Rng& rng) {
  for (auto& kv : encoders_) kv.second->reset(rng);
}

std::shared_ptr<ChainedEncoder> chain(const EncoderPtr& first, std::vector<EncoderPtr> others) {
  return std::make_shared<ChainedEncoder>(chain_parts(first, std::move(others)));
}

std::shared_ptr<ChainedEncoder> chain(const EncoderPtr& first, EncoderPtr other) {
  std::vector<EncoderPtr> others;
  others.push_back(std::move(other));
  return chain(first, std::move(others));
}

}  // namespace phantom
