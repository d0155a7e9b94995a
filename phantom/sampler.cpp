#include "phantom/sampler.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "phantom/format.hpp"

namespace phantom {

namespace {

std::string format_shape(const std::vector<int64_t>& shape) {
  std::string s;
  append_shape(s, shape);
  return s;
}

void check_finite(const char* kind, const char* what, float x) {
  if (!std::isfinite(x)) {
    throw ConfigError(std::string(kind) + ": " + what + " = " + float_string(x) +
                      ", expected a finite number");
  }
}

// Validates float clip bounds (NaN or low > high is an error; infinities are harmless).
Clip make_clip(const char* kind, std::optional<float> low, std::optional<float> high) {
  if ((low && std::isnan(*low)) || (high && std::isnan(*high))) {
    throw ConfigError(std::string(kind) + ": a clip bound is NaN");
  }
  if (low && high && *low > *high) {
    throw ConfigError(std::string(kind) + ": clip_low = " + float_string(*low) +
                      " is greater than clip_high = " + float_string(*high));
  }
  return Clip{low, high};
}

float apply_clip(const Clip& clip, float x) {
  if (clip.low && x < *clip.low) x = *clip.low;
  if (clip.high && x > *clip.high) x = *clip.high;
  return x;
}

// " clip_low=.. clip_high=.." for the bounds that are set.
std::string clip_suffix(const Clip& clip) {
  std::string s;
  if (clip.low) s += " clip_low=" + float_string(*clip.low);
  if (clip.high) s += " clip_high=" + float_string(*clip.high);
  return s;
}

void check_uniform_bounds(const char* kind, float low, float high) {
  check_finite(kind, "low", low);
  check_finite(kind, "high", high);
  if (low > high) {
    throw ConfigError(std::string(kind) + ": low = " + float_string(low) +
                      " is greater than high = " + float_string(high));
  }
}

void check_normal_params(const char* kind, float mu, float sigma) {
  check_finite(kind, "mu", mu);
  check_finite(kind, "sigma", sigma);
  if (sigma < 0.0f) {
    throw ConfigError(std::string(kind) + ": sigma = " + float_string(sigma) +
                      ", expected sigma >= 0");
  }
}

// Uniform float in [low, high) from one 24-bit uniform (one word). Computed in double so that
// high - low cannot overflow even for bounds near the float limits; the sum is >= low, and its
// rounding to float can only reach high from below, which is mapped to the float below high.
float draw_uniform(nn::Rng& rng, float low, float high) {
  double u = rng.uniform();
  if (low == high) return low;
  double x = static_cast<double>(low) + (static_cast<double>(high) - low) * u;
  float f = static_cast<float>(x);
  return f < high ? f : std::nextafter(high, low);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Sampler

Sampler::Sampler(const char* kind, std::vector<int64_t> shape) : shape_(std::move(shape)) {
  std::size_t n = 1;
  for (int64_t d : shape_) {
    if (d < 0) {
      throw ConfigError(std::string(kind) + ": shape " + format_shape(shape_) +
                        " has a negative dimension");
    }
    if (d > 0 && n > SIZE_MAX / static_cast<std::size_t>(d)) {
      throw ConfigError(std::string(kind) + ": shape " + format_shape(shape_) + " is too large");
    }
    n *= static_cast<std::size_t>(d);
  }
  buffer_.assign(n, 0.0f);
}

const std::vector<float>& Sampler::values() const {
  if (!has_value_) {
    throw ValueError(std::string(kind()) +
                     ": value read before the first sample(); the env samples its managed "
                     "samplers at reset, or call sample(rng)");
  }
  return buffer_;
}

float Sampler::value() const {
  if (buffer_.size() != 1) {
    throw ValueError(std::string(kind()) + ": value() needs a single value, but shape " +
                     format_shape(shape_) + " has " + std::to_string(buffer_.size()) +
                     "; use values()");
  }
  return values()[0];
}

std::string Sampler::value_suffix() const {
  return has_value_ ? " value=" + float_string(buffer_[0]) : std::string(" value=none");
}

// ---------------------------------------------------------------------------------------------
// UniformFloatSampler

UniformFloatSampler::UniformFloatSampler(float low, float high, std::optional<float> clip_low,
                                         std::optional<float> clip_high)
    : Sampler("UniformFloatSampler", {}), low_(low), high_(high) {
  check_uniform_bounds(kind(), low, high);
  clip_ = make_clip(kind(), clip_low, clip_high);
}

void UniformFloatSampler::sample(nn::Rng& rng) {
  *begin_write() = apply_clip(clip_, draw_uniform(rng, low_, high_));
}

std::string UniformFloatSampler::to_string() const {
  return std::string("<") + kind() + " low=" + float_string(low_) + " high=" + float_string(high_) +
         clip_suffix(clip_) + value_suffix() + ">";
}

// ---------------------------------------------------------------------------------------------
// UniformIntSampler

UniformIntSampler::UniformIntSampler(int64_t low, int64_t high, std::optional<int64_t> clip_low,
                                     std::optional<int64_t> clip_high)
    : Sampler("UniformIntSampler", {}),
      low_(low),
      high_(high),
      clip_low_(clip_low),
      clip_high_(clip_high) {
  auto check_magnitude = [&](const char* what, int64_t x) {
    if (x < -kMaxAbs || x > kMaxAbs) {
      throw ConfigError(std::string(kind()) + ": " + what + " = " + std::to_string(x) +
                        " is outside [-2^24, 2^24], the integers a float holds exactly");
    }
  };
  check_magnitude("low", low);
  check_magnitude("high", high);
  if (clip_low) check_magnitude("clip_low", *clip_low);
  if (clip_high) check_magnitude("clip_high", *clip_high);
  if (low > high) {
    throw ConfigError(std::string(kind()) + ": low = " + std::to_string(low) +
                      " is greater than high = " + std::to_string(high) +
                      " (the range [low, high] includes high)");
  }
  if (clip_low && clip_high && *clip_low > *clip_high) {
    throw ConfigError(std::string(kind()) + ": clip_low = " + std::to_string(*clip_low) +
                      " is greater than clip_high = " + std::to_string(*clip_high));
  }
}

void UniformIntSampler::sample(nn::Rng& rng) {
  // Exactly two words from the caller's stream seed a private generator; the rejection loop of
  // uniform_int runs there, so it cannot change how many words this sample() takes from `rng`.
  nn::Rng private_rng(rng.next_u64());
  int64_t x = private_rng.uniform_int(low_, high_ + 1);
  if (clip_low_ && x < *clip_low_) x = *clip_low_;
  if (clip_high_ && x > *clip_high_) x = *clip_high_;
  *begin_write() = static_cast<float>(x);  // exact: |x| <= 2^24
}

std::string UniformIntSampler::to_string() const {
  std::string s =
      std::string("<") + kind() + " low=" + std::to_string(low_) + " high=" + std::to_string(high_);
  if (clip_low_) s += " clip_low=" + std::to_string(*clip_low_);
  if (clip_high_) s += " clip_high=" + std::to_string(*clip_high_);
  if (has_value()) return s + " value=" + std::to_string(int_value()) + ">";
  return s + " value=none>";
}

// ---------------------------------------------------------------------------------------------
// NormalSampler

NormalSampler::NormalSampler(float mu, float sigma, std::optional<float> clip_low,
                             std::optional<float> clip_high)
    : Sampler("NormalSampler", {}), mu_(mu), sigma_(sigma) {
  check_normal_params(kind(), mu, sigma);
  clip_ = make_clip(kind(), clip_low, clip_high);
}

void NormalSampler::sample(nn::Rng& rng) {
  *begin_write() = apply_clip(clip_, rng.normal(mu_, sigma_));
}

std::string NormalSampler::to_string() const {
  return std::string("<") + kind() + " mu=" + float_string(mu_) + " sigma=" + float_string(sigma_) +
         clip_suffix(clip_) + value_suffix() + ">";
}

// ---------------------------------------------------------------------------------------------
// LambdaSampler

LambdaSampler::LambdaSampler(Function fn) : Sampler("LambdaSampler", {}), fn_(std::move(fn)) {
  if (!fn_) throw ConfigError("LambdaSampler: the function is empty");
}

void LambdaSampler::sample(nn::Rng& rng) {
  float x = fn_(rng);  // called first: if it throws, the previous value stays
  *begin_write() = x;
}

std::string LambdaSampler::to_string() const {
  return std::string("<") + kind() + value_suffix() + ">";
}

// ---------------------------------------------------------------------------------------------
// Array samplers

UniformArraySampler::UniformArraySampler(float low, float high, std::vector<int64_t> shape,
                                         std::optional<float> clip_low,
                                         std::optional<float> clip_high)
    : Sampler("UniformArraySampler", std::move(shape)), low_(low), high_(high) {
  check_uniform_bounds(kind(), low, high);
  clip_ = make_clip(kind(), clip_low, clip_high);
}

void UniformArraySampler::sample(nn::Rng& rng) {
  std::size_t n = flat_size();
  float* out = begin_write();
  for (std::size_t i = 0; i < n; ++i) out[i] = apply_clip(clip_, draw_uniform(rng, low_, high_));
}

std::string UniformArraySampler::to_string() const {
  return std::string("<") + kind() + " low=" + float_string(low_) + " high=" + float_string(high_) +
         " shape=" + format_shape(shape()) + clip_suffix(clip_) + ">";
}

NormalArraySampler::NormalArraySampler(float mu, float sigma, std::vector<int64_t> shape,
                                       std::optional<float> clip_low,
                                       std::optional<float> clip_high)
    : Sampler("NormalArraySampler", std::move(shape)), mu_(mu), sigma_(sigma) {
  check_normal_params(kind(), mu, sigma);
  clip_ = make_clip(kind(), clip_low, clip_high);
}

void NormalArraySampler::sample(nn::Rng& rng) {
  std::size_t n = flat_size();
  float* out = begin_write();
  for (std::size_t i = 0; i < n; ++i) out[i] = apply_clip(clip_, rng.normal(mu_, sigma_));
}

std::string NormalArraySampler::to_string() const {
  return std::string("<") + kind() + " mu=" + float_string(mu_) + " sigma=" + float_string(sigma_) +
         " shape=" + format_shape(shape()) + clip_suffix(clip_) + ">";
}

// ---------------------------------------------------------------------------------------------
// Factories

std::shared_ptr<UniformFloatSampler> uniform(float low, float high, std::optional<float> clip_low,
                                             std::optional<float> clip_high) {
  return std::make_shared<UniformFloatSampler>(low, high, clip_low, clip_high);
}

std::shared_ptr<UniformIntSampler> uniform_int(int64_t low, int64_t high,
                                               std::optional<int64_t> clip_low,
                                               std::optional<int64_t> clip_high) {
  return std::make_shared<UniformIntSampler>(low, high, clip_low, clip_high);
}

std::shared_ptr<NormalSampler> normal(float mu, float sigma, std::optional<float> clip_low,
                                      std::optional<float> clip_high) {
  return std::make_shared<NormalSampler>(mu, sigma, clip_low, clip_high);
}

std::shared_ptr<LambdaSampler> lambda_sampler(LambdaSampler::Function fn) {
  return std::make_shared<LambdaSampler>(std::move(fn));
}

std::shared_ptr<UniformArraySampler> uniform_array(float low, float high,
                                                   std::vector<int64_t> shape,
                                                   std::optional<float> clip_low,
                                                   std::optional<float> clip_high) {
  return std::make_shared<UniformArraySampler>(low, high, std::move(shape), clip_low, clip_high);
}

std::shared_ptr<NormalArraySampler> normal_array(float mu, float sigma, std::vector<int64_t> shape,
                                                 std::optional<float> clip_low,
                                                 std::optional<float> clip_high) {
  return std::make_shared<NormalArraySampler>(mu, sigma, std::move(shape), clip_low, clip_high);
}

}  // namespace phantom
