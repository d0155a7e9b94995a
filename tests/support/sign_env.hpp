// A tiny learnable env for trainer tests: two agents guess the sign they are shown.
#pragma once

#include <memory>
#include <string>

#include "phantom/env.hpp"
#include "phantom/env_config.hpp"

namespace test_support {

// Each step shows a sign (+1 or -1); the reward is 1 when the action names it (1 for +, 0 for
// -). An episode lasts 16 steps, so a perfect policy earns 16.
class SignGuesser : public phantom::StrategicAgent {
 public:
  explicit SignGuesser(std::string id)
      : StrategicAgent(std::move(id), phantom::box(-1, 1, {1}), phantom::discrete(2)) {}
  bool encode_observation(phantom::Context&, float* out) override {
    out[0] = sign_;
    return true;
  }
  void decode_action(phantom::Context& ctx, const float* action) override {
    reward_ = (action[0] == 1.0f) == (sign_ > 0) ? 1.0 : 0.0;
    sign_ = ctx.rng().uniform() < 0.5f ? -1.0f : 1.0f;
  }
  double compute_reward(phantom::Context&) override { return reward_; }
  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    sign_ = rng.uniform() < 0.5f ? -1.0f : 1.0f;
  }

 private:
  float sign_ = 1.0f;
  double reward_ = 0.0;
};

inline std::unique_ptr<phantom::PhantomEnv> make_sign_env(const phantom::EnvConfig&) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<SignGuesser>("a");
  net->emplace<SignGuesser>("b");
  return std::make_unique<phantom::PhantomEnv>(std::move(net), 16);
}

}  // namespace test_support
