// Encoder: a pluggable observation component of a StrategicAgent (Python `encoders.py`).
//
// An encoder owns an observation space and writes one observation per step into a flat float
// buffer laid out by that space (docs/SPACES.md). Encoders compose: a ChainedEncoder observes a
// Tuple of its parts and a DictEncoder a Dict, each part writing into its own slice:
//
//   auto enc = phantom::chain(std::make_shared<StockEncoder>(),
//                             std::make_shared<phantom::ConstantEncoder>(std::vector<int64_t>{2}, 1.0f));
//   // enc->observation_space(): Tuple(Box(0, 1, (3,)), Box(-inf, inf, (2,)))
//   // a value: [stock..., 1, 1]
//
// encode() runs on every step, so implementations should not allocate.
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

class Encoder {
 public:
  virtual ~Encoder() = default;

  virtual const SpacePtr& observation_space() const = 0;
  /// Writes observation_space()->flat_size() floats into `out` and returns true, or returns
  /// false when there is nothing to observe this step (the agent then gets no reward either).
  virtual bool encode(Context& ctx, float* out) = 0;
  /// Called at every episode start by the owning StrategicAgent's reset. Does nothing by default.
  virtual void reset(nn::Rng& rng);
  /// The observation space's to_string() (Python's repr/str of an encoder).
  std::string to_string() const { return observation_space()->to_string(); }
};

using EncoderPtr = std::shared_ptr<Encoder>;

/// Observes nothing useful: Box(-inf, inf, (1,)), always 0.
class EmptyEncoder final : public Encoder {
 public:
  EmptyEncoder();
  const SpacePtr& observation_space() const override { return space_; }
  bool encode(Context& ctx, float* out) override;

 private:
  SpacePtr space_;
};

/// Box(-inf, inf, shape), every element `value` (Python's `encoders.Constant`).
class ConstantEncoder final : public Encoder {
 public:
  explicit ConstantEncoder(std::vector<int64_t> shape, float value = 0.0f);
  const SpacePtr& observation_space() const override { return space_; }
  float value() const { return value_; }
  bool encode(Context& ctx, float* out) override;

 private:
  SpacePtr space_;
  float value_;
};

/// Tuple(e1.space, e2.space, ...): each part writes its slice, in order. Always returns true (a
/// chained observation is always made, as in Python, whose tuple could hold None); a part that
/// returns false leaves its slice zeroed. reset() resets every part in order.
class ChainedEncoder final : public Encoder {
 public:
  /// Throws ConfigError for a null part.
  explicit ChainedEncoder(std::vector<EncoderPtr> encoders);
  const SpacePtr& observation_space() const override { return space_; }
  const std::vector<EncoderPtr>& encoders() const { return encoders_; }
  bool encode(Context& ctx, float* out) override;
  void reset(nn::Rng& rng) override;

 private:
  std::vector<EncoderPtr> encoders_;
  std::vector<int64_t> offsets_;
  SpacePtr space_;
};

/// Dict(k1: e1.space, ...) in insertion order: each part writes its slice, in order. Same
/// no-observation rule and reset propagation as ChainedEncoder.
class DictEncoder final : public Encoder {
 public:
  /// Throws ConfigError for a null part or a duplicate key.
  explicit DictEncoder(std::vector<std::pair<std::string, EncoderPtr>> encoders);
  const SpacePtr& observation_space() const override { return space_; }
  const std::vector<std::pair<std::string, EncoderPtr>>& encoders() const { return encoders_; }
  bool encode(Context& ctx, float* out) override;
  void reset(nn::Rng& rng) override;

 private:
  std::vector<std::pair<std::string, EncoderPtr>> encoders_;
  std::vector<int64_t> offsets_;
  SpacePtr space_;
};

/// A ChainedEncoder of `first` followed by `others` (one encoder or a list). When `first` is
/// itself a ChainedEncoder, its parts are extended rather than nested (Python's
/// ChainedEncoder.chain); the other encoders are kept as given.
std::shared_ptr<ChainedEncoder> chain(const EncoderPtr& first, std::vector<EncoderPtr> others);
std::shared_ptr<ChainedEncoder> chain(const EncoderPtr& first, EncoderPtr other);

}  // namespace phantom
