// A small env for rollout-runner tests, with every kind of grid axis and some randomness.
//
//   network: D1 (Dealer, strategic), B1 (Bidder: sends D1 a Bid every step)
//   config:  "steps" (episode length, default 4), "stop" (D1 terminates after this many steps;
//            default: never), "a" (any number, observed by D1; default 0)
//   D1's supertype DealerType has one field, "price" (default 1): the factory leaves it alone,
//   so a test can give it a Range through the `price` argument of make_dealer_env.
//   D1 observes [step, price, a, last bid], acts Box(-10, 10, (1,)); its reward is
//   action * price plus a uniform draw from the env's generator, so seeds show in the rewards.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "phantom/env.hpp"
#include "phantom/env_config.hpp"
#include "phantom/policy.hpp"
#include "phantom/supertype.hpp"

namespace rollout_test {

struct Bid {
  int v;
  template <class W>
  void describe(W& w) const {
    w("v", v);
  }
};

struct DealerType : phantom::Supertype {
  phantom::Field price{this, "price", 1.0f};
};

class Dealer : public phantom::StrategicAgent {
 public:
  Dealer(std::string id, float a, int64_t stop)
      : StrategicAgent(std::move(id), phantom::box(-1e6f, 1e6f, {4}), phantom::box(-10, 10, {1})),
        a_(a),
        stop_(stop) {
    set_supertype(std::make_shared<DealerType>());
    on<Bid>([this](phantom::Context&, const phantom::Message<Bid>& m) { last_bid_ = m.payload.v; });
  }
  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    t_ = 0;
    last_bid_ = 0;
  }
  void decode_action(phantom::Context& ctx, const float* action) override {
    ++t_;
    reward_ = action[0] * type<DealerType>().price.value() + ctx.rng().uniform();
  }
  bool encode_observation(phantom::Context&, float* out) override {
    out[0] = static_cast<float>(t_);
    out[1] = type<DealerType>().price.value();
    out[2] = a_;
    out[3] = static_cast<float>(last_bid_);
    return true;
  }
  double compute_reward(phantom::Context&) override { return reward_; }
  bool is_terminated(phantom::Context&) override { return stop_ > 0 && t_ >= stop_; }

 private:
  float a_;
  int64_t stop_;
  int64_t t_ = 0;
  int last_bid_ = 0;
  double reward_ = 0.0;
};

class Bidder : public phantom::Agent {
 public:
  using Agent::Agent;
  void generate_messages(phantom::Context& ctx) override {
    ctx.send("D1", Bid{static_cast<int>(ctx.rng().uniform_int(0, 100))});
  }
};

/// The env of this file; `price`, if given, becomes the source of D1's supertype field.
inline std::unique_ptr<phantom::PhantomEnv> make_dealer_env(
    const phantom::EnvConfig& c, std::optional<phantom::FieldSource> price = std::nullopt) {
  auto net = std::make_unique<phantom::Network>();
  auto& dealer = net->emplace<Dealer>("D1", c.number("a", 0.0f), c.integer("stop", 0));
  net->emplace<Bidder>("B1");
  net->add_connection("D1", "B1");
  if (price) dealer.supertype()->set("price", *price);
  return std::make_unique<phantom::PhantomEnv>(std::move(net), c.integer("steps", 4));
}

/// Box(1) actions: obs[1] (the price) plus a uniform draw in [0, 1) while exploring, the price
/// alone otherwise. Clonable.
class NoisyPolicy : public phantom::Policy {
 public:
  using Policy::Policy;
  void compute_action(const float* obs, float* action, nn::Rng& rng) override {
    action[0] = obs[1] + (explore_ ? rng.uniform() : 0.0f);
  }
  void set_explore(bool explore) override { explore_ = explore; }
  std::shared_ptr<phantom::Policy> clone() const override {
    return std::make_shared<NoisyPolicy>(*this);
  }

 private:
  bool explore_ = false;
};

/// Always the same action; not clonable (the default Policy::clone()).
class FixedActionPolicy : public phantom::Policy {
 public:
  FixedActionPolicy(phantom::SpacePtr obs, phantom::SpacePtr act, float value)
      : Policy(std::move(obs), std::move(act)), value_(value) {}
  void compute_action(const float*, float* action, nn::Rng&) override {
    for (int64_t i = 0; i < action_space()->flat_size(); ++i) action[i] = value_;
  }

 private:
  float value_;
};

}  // namespace rollout_test
