// A sampler whose every draw adds 1 to its value (Python Phantom's MockSampler), so a test can
// count how many times it was drawn. It draws nothing from the Rng.
#pragma once

#include <string>

#include "phantom/sampler.hpp"

namespace test_support {

class CountingSampler : public phantom::Sampler {
 public:
  explicit CountingSampler(float start) : Sampler("CountingSampler", {}), next_(start) {}
  void sample(nn::Rng&) override {
    next_ += 1.0f;
    *begin_write() = next_;
  }
  const char* kind() const override { return "CountingSampler"; }
  std::string to_string() const override { return "<CountingSampler>"; }
  int draws() const { return static_cast<int>(next_ - start_); }

 private:
  float next_;
  float start_ = next_;
};

}  // namespace test_support
