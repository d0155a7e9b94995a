// Decoders: the empty decoder and the two composites.
#include "phantom/decoder.hpp"

#include <limits>

#include "phantom/error.hpp"

namespace phantom {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<DecoderPtr> chain_parts(const DecoderPtr& first, std::vector<DecoderPtr> others) {
  if (!first) throw ConfigError("chain: the first decoder is null");
  std::vector<DecoderPtr> parts;
  if (const auto* chained = dynamic_cast<const ChainedDecoder*>(first.get())) {
    parts = chained->decoders();
  } else {
    parts.push_back(first);
  }
  for (auto& d : others) parts.push_back(std::move(d));
  return parts;
}

}  // namespace

void Decoder::reset(nn::Rng&) {}

EmptyDecoder::EmptyDecoder() : space_(box(-kInf, kInf, {0})) {}

void EmptyDecoder::decode(Context&, const float*) {}

ChainedDecoder::ChainedDecoder(std::vector<DecoderPtr> decoders) : decoders_(std::move(decoders)) {
  std::vector<SpacePtr> spaces;
  spaces.reserve(decoders_.size());
  for (std::size_t i = 0; i < decoders_.size(); ++i) {
    if (!decoders_[i])
      throw ConfigError("ChainedDecoder: decoder " + std::to_string(i) + " is null");
    spaces.push_back(decoders_[i]->action_space());
  }
  space_ = tuple_space(std::move(spaces));
  const TupleSpace& t = space_->as_tuple();
  for (std::size_t i = 0; i < t.size(); ++i) offsets_.push_back(t.offset_of(i));
}

void ChainedDecoder::decode(Context& ctx, const float* action) {
  for (std::size_t i = 0; i < decoders_.size(); ++i)
    decoders_[i]->decode(ctx, action + offsets_[i]);
}

void ChainedDecoder::reset(nn::Rng& rng) {
  for (auto& d : decoders_) d->reset(rng);
}

DictDecoder::DictDecoder(std::vector<std::pair<std::string, DecoderPtr>> decoders)
    : decoders_(std::move(decoders)) {
  std::vector<std::pair<std::string, SpacePtr>> spaces;
  spaces.reserve(decoders_.size());
  for (const auto& kv : decoders_) {
    if (!kv.second) throw ConfigError("DictDecoder: the decoder of key '" + kv.first + "' is null");
    spaces.emplace_back(kv.first, kv.second->action_space());
  }
  space_ = dict_space(std::move(spaces));  // rejects duplicate keys
  const DictSpace& d = space_->as_dict();
  for (const auto& key : d.keys()) offsets_.push_back(d.offset_of(key));
}

void DictDecoder::decode(Context& ctx, const float* action) {
  for (std::size_t i = 0; i < decoders_.size(); ++i) {
    decoders_[i].second->decode(ctx, action + offsets_[i]);
  }
}

void DictDecoder::reset(nn::Rng& rng) {
  for (auto& kv : decoders_) kv.second->reset(rng);
}

std::shared_ptr<ChainedDecoder> chain(const DecoderPtr& first, std::vector<DecoderPtr> others) {
  return std::make_shared<ChainedDecoder>(chain_parts(first, std::move(others)));
}

std::shared_ptr<ChainedDecoder> chain(const DecoderPtr& first, DecoderPtr other) {
  std::vector<DecoderPtr> others;
  others.push_back(std::move(other));
  return chain(first, std::move(others));
}

}  // namespace phantom
