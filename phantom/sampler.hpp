// Samplers: random parameters that are redrawn at every env reset (used by supertypes).
//
// A sampler holds the last value it drew. The env collects every sampler referenced by its
// supertypes and calls sample(rng) on each at reset, with an Rng derived from its own; the
// supertype then reads value() when it builds the agent's type for the episode. There is no
// global generator: every draw takes the caller's nn::Rng.
//
// One base class serves scalar and array samplers alike. Its value is a flat float buffer of a
// fixed shape:
//  * scalar samplers (UniformFloat, UniformInt, Normal, Lambda) have shape {} and one value,
//    read with value();
//  * array samplers (UniformArray, NormalArray) have the shape given at construction, read
//    with values() (row-major). value() also works for an array of exactly one element.
// The buffer is allocated once at construction, so sample() allocates nothing.
//
// Samplers are shared through std::shared_ptr<Sampler>, and identity is the pointer: the env
// deduplicates samplers by address, so one sampler referenced by two supertypes gives both the
// same value in an episode. sample() writes the sampler's value, so a sampler is not safe to
// share between envs that reset concurrently (on different threads): give each env its own
// supertypes and samplers. Python's ComparableSampler compared samplers with numbers by value
// (and made them unhashable); here users compare value() instead.
//
// Each sampler type draws a fixed number of 32-bit words from the Rng per sample() (listed on
// each class), whatever the outcome, so the samplers drawn after it in the same stream see the
// same numbers whatever this one drew. LambdaSampler draws whatever its function draws.
//
//   auto price = phantom::uniform(1.0f, 2.0f);     // std::shared_ptr<UniformFloatSampler>
//   price->sample(rng);
//   float p = price->value();
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "nn/rng.hpp"

namespace phantom {

/// The common interface of all samplers: draw with sample(rng), read with value()/values().
class Sampler {
 public:
  virtual ~Sampler() = default;

  /// Draws a new value with `rng` and stores it (replacing the previous one).
  virtual void sample(nn::Rng& rng) = 0;

  /// True once sample() has been called.
  bool has_value() const { return has_value_; }
  /// The shape of the value: {} for a scalar sampler, the construction shape for an array.
  const std::vector<int64_t>& shape() const { return shape_; }
  /// Number of floats in the value: 1 for a scalar sampler, the product of shape() for arrays.
  std::size_t flat_size() const { return buffer_.size(); }
  /// The last drawn value as a flat row-major buffer of flat_size() floats. Throws ValueError
  /// before the first sample().
  const std::vector<float>& values() const;
  /// The last drawn value of a sampler with one float (any scalar sampler, or an array of one
  /// element). Throws ValueError before the first sample(), or if flat_size() != 1.
  float value() const;

  /// The class name, e.g. "UniformFloatSampler" (used in messages).
  virtual const char* kind() const = 0;
  /// E.g. "<UniformFloatSampler low=0 high=1 value=0.25>" (value=none before the first draw;
  /// array samplers show their shape instead of their values).
  virtual std::string to_string() const = 0;

 protected:
  /// A sampler whose value has `shape` ({} for a scalar). Throws ConfigError (naming `kind`) on a
  /// negative dimension.
  Sampler(const char* kind, std::vector<int64_t> shape);
  Sampler(const Sampler&) = default;             // copies only through a subclass (no slicing)
  Sampler& operator=(const Sampler&) = default;  // copies only through a subclass

  /// The buffer sample() writes; it marks the value as present.
  float* begin_write() {
    has_value_ = true;
    return buffer_.data();
  }
  /// " value=0.25" or " value=none", for scalar samplers' to_string().
  std::string value_suffix() const;

 private:
  std::vector<int64_t> shape_;
  std::vector<float> buffer_;
  bool has_value_ = false;
};

/// Optional clipping bounds applied after each draw (one-sided clipping leaves the other empty).
/// Both given and low > high is a ConfigError; NaN bounds are a ConfigError.
struct Clip {
  std::optional<float> low;
  std::optional<float> high;
};

/// Uniform float in [low, high) (exactly low when low == high), then clipped.
/// Draws 1 word per sample().
class UniformFloatSampler : public Sampler {
 public:
  /// Throws ConfigError if low or high is not finite, if low > high (naming both), or if the
  /// clip bounds are invalid.
  UniformFloatSampler(float low = 0.0f, float high = 1.0f,
                      std::optional<float> clip_low = std::nullopt,
                      std::optional<float> clip_high = std::nullopt);

  void sample(nn::Rng& rng) override;
  const char* kind() const override { return "UniformFloatSampler"; }
  std::string to_string() const override;

  float low() const { return low_; }
  float high() const { return high_; }
  const Clip& clip() const { return clip_; }

 private:
  float low_, high_;
  Clip clip_;
};

/// Uniform integer in [low, high], high INCLUDED, then clipped; the value is an exact float.
///
/// Python's UniformIntSampler calls np.random.randint(low, high), which excludes high: its
/// defaults (0, 1) always give 0, and low == high fails despite the `high >= low` assert. Here
/// high is included, so (0, 1) gives 0 or 1 and low == high always gives low.
///
/// Draws 2 words per sample(): they seed a private generator from which the integer is drawn by
/// unbiased rejection (nn::Rng::uniform_int), so the rare rejections never shift the caller's
/// stream.
class UniformIntSampler : public Sampler {
 public:
  /// Largest |bound| accepted: every integer up to 2^24 is exact in a float.
  static constexpr int64_t kMaxAbs = int64_t{1} << 24;

  /// Throws ConfigError if low > high (naming both), if a bound or clip exceeds kMaxAbs in
  /// magnitude, or if clip_low > clip_high.
  UniformIntSampler(int64_t low = 0, int64_t high = 1,
                    std::optional<int64_t> clip_low = std::nullopt,
                    std::optional<int64_t> clip_high = std::nullopt);

  void sample(nn::Rng& rng) override;
  const char* kind() const override { return "UniformIntSampler"; }
  std::string to_string() const override;

  /// The last drawn value as an integer (throws ValueError before the first sample()).
  int64_t int_value() const { return static_cast<int64_t>(value()); }

  int64_t low() const { return low_; }
  int64_t high() const { return high_; }
  std::optional<int64_t> clip_low() const { return clip_low_; }
  std::optional<int64_t> clip_high() const { return clip_high_; }

 private:
  int64_t low_, high_;
  std::optional<int64_t> clip_low_, clip_high_;
};

/// Normal(mu, sigma), then clipped. sigma == 0 always gives mu.
/// Draws 4 words per sample() (Box-Muller on two 53-bit uniforms, nn::Rng::normal).
class NormalSampler : public Sampler {
 public:
  /// Throws ConfigError if mu or sigma is not finite, if sigma < 0, or if the clips are invalid.
  NormalSampler(float mu, float sigma, std::optional<float> clip_low = std::nullopt,
                std::optional<float> clip_high = std::nullopt);

  void sample(nn::Rng& rng) override;
  const char* kind() const override { return "NormalSampler"; }
  std::string to_string() const override;

  float mu() const { return mu_; }
  float sigma() const { return sigma_; }
  const Clip& clip() const { return clip_; }

 private:
  float mu_, sigma_;
  Clip clip_;
};

/// A scalar drawn by a user function, which receives the Rng (capture any arguments in the
/// lambda, where Python passed *args/**kwargs). Draws whatever the function draws.
class LambdaSampler : public Sampler {
 public:
  using Function = std::function<float(nn::Rng&)>;

  /// Throws ConfigError if `fn` is empty.
  explicit LambdaSampler(Function fn);

  void sample(nn::Rng& rng) override;
  const char* kind() const override { return "LambdaSampler"; }
  std::string to_string() const override;

 private:
  Function fn_;
};

/// An array of independent uniform floats in [low, high), each clipped.
/// Draws flat_size() words per sample(), in row-major order.
class UniformArraySampler : public Sampler {
 public:
  /// Throws ConfigError like UniformFloatSampler, or on a negative dimension.
  UniformArraySampler(float low, float high, std::vector<int64_t> shape,
                      std::optional<float> clip_low = std::nullopt,
                      std::optional<float> clip_high = std::nullopt);

  void sample(nn::Rng& rng) override;
  const char* kind() const override { return "UniformArraySampler"; }
  std::string to_string() const override;

  float low() const { return low_; }
  float high() const { return high_; }
  const Clip& clip() const { return clip_; }

 private:
  float low_, high_;
  Clip clip_;
};

/// An array of independent Normal(mu, sigma) floats, each clipped.
/// Draws 4 * flat_size() words per sample(), in row-major order.
class NormalArraySampler : public Sampler {
 public:
  /// Throws ConfigError like NormalSampler, or on a negative dimension.
  NormalArraySampler(float mu, float sigma, std::vector<int64_t> shape,
                     std::optional<float> clip_low = std::nullopt,
                     std::optional<float> clip_high = std::nullopt);

  void sample(nn::Rng& rng) override;
  const char* kind() const override { return "NormalArraySampler"; }
  std::string to_string() const override;

  float mu() const { return mu_; }
  float sigma() const { return sigma_; }
  const Clip& clip() const { return clip_; }

 private:
  float mu_, sigma_;
  Clip clip_;
};

// Factory helpers: each returns a new sampler (a new identity) behind a shared_ptr, which
// converts to std::shared_ptr<Sampler>.

std::shared_ptr<UniformFloatSampler> uniform(float low, float high,
                                             std::optional<float> clip_low = std::nullopt,
                                             std::optional<float> clip_high = std::nullopt);
std::shared_ptr<UniformIntSampler> uniform_int(int64_t low, int64_t high,
                                               std::optional<int64_t> clip_low = std::nullopt,
                                               std::optional<int64_t> clip_high = std::nullopt);
std::shared_ptr<NormalSampler> normal(float mu, float sigma,
                                      std::optional<float> clip_low = std::nullopt,
                                      std::optional<float> clip_high = std::nullopt);
std::shared_ptr<LambdaSampler> lambda_sampler(LambdaSampler::Function fn);
std::shared_ptr<UniformArraySampler> uniform_array(float low, float high,
                                                   std::vector<int64_t> shape,
                                                   std::optional<float> clip_low = std::nullopt,
                                                   std::optional<float> clip_high = std::nullopt);
std::shared_ptr<NormalArraySampler> normal_array(float mu, float sigma, std::vector<int64_t> shape,
                                                 std::optional<float> clip_low = std::nullopt,
                                                 std::optional<float> clip_high = std::nullopt);

}  // namespace phantom
