// Decoder: a pluggable action component of a StrategicAgent (Python `decoders.py`).
//
// A decoder owns an action space and turns one action (a flat float buffer laid out by that
// space, docs/SPACES.md) into messages sent through the context. Python's decoders returned a
// list of (receiver, payload); here they call ctx.send(), as handlers do. Decoders compose: a
// ChainedDecoder acts in a Tuple of its parts' spaces and a DictDecoder in a Dict, each part
// reading its own slice of the action.
//
// decode() runs on every step, so implementations should not allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/context.hpp"
#include "phantom/space.hpp"

namespace phantom {

class Decoder {
 public:
  virtual ~Decoder() = default;

  virtual const SpacePtr& action_space() const = 0;
  /// Reads action_space()->flat_size() floats at `action` and sends messages through ctx.
  virtual void decode(Context& ctx, const float* action) = 0;
  /// Called at every episode start by the owning StrategicAgent's reset. Does nothing by default.
  virtual void reset(nn::Rng& rng);
  /// The action space's to_string().
  std::string to_string() const { return action_space()->to_string(); }
};

using DecoderPtr = std::shared_ptr<Decoder>;

/// Does nothing; its action space Box(-inf, inf, (0,)) has no elements.
class EmptyDecoder final : public Decoder {
 public:
  EmptyDecoder();
  const SpacePtr& action_space() const override { return space_; }
  void decode(Context& ctx, const float* action) override;

 private:
  SpacePtr space_;
};

/// Tuple(d1.space, d2.space, ...): each part decodes its slice, in order, so its messages are
/// sent in that order. reset() resets every part in order.
class ChainedDecoder final : public Decoder {
 public:
  /// Throws ConfigError for a null part.
  explicit ChainedDecoder(std::vector<DecoderPtr> decoders);
  const SpacePtr& action_space() const override { return space_; }
  const std::vector<DecoderPtr>& decoders() const { return decoders_; }
  void decode(Context& ctx, const float* action) override;
  void reset(nn::Rng& rng) override;

 private:
  std::vector<DecoderPtr> decoders_;
  std::vector<int64_t> offsets_;
  SpacePtr space_;
};

/// Dict(k1: d1.space, ...) in insertion order: each part decodes its slice, in that order.
class DictDecoder final : public Decoder {
 public:
  /// Throws ConfigError for a null part or a duplicate key.
  explicit DictDecoder(std::vector<std::pair<std::string, DecoderPtr>> decoders);
  const SpacePtr& action_space() const override { return space_; }
  const std::vector<std::pair<std::string, DecoderPtr>>& decoders() const { return decoders_; }
  void decode(Context& ctx, const float* action) override;
  void reset(nn::Rng& rng) override;

 private:
  std::vector<std::pair<std::string, DecoderPtr>> decoders_;
  std::vector<int64_t> offsets_;
  SpacePtr space_;
};

/// A ChainedDecoder of `first` followed by `others` (one decoder or a list); a ChainedDecoder
/// `first` is extended rather than nested, as for encoders.
std::shared_ptr<ChainedDecoder> chain(const DecoderPtr& first, std::vector<DecoderPtr> others);
std::shared_ptr<ChainedDecoder> chain(const DecoderPtr& first, DecoderPtr other);

}  // namespace phantom
