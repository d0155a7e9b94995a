// CartPole physics, agent and env.
#include "cartpole.hpp"

#include <cmath>
#include <limits>

#include "nn/libm.hpp"
#include "phantom/error.hpp"
#include "phantom/format.hpp"

namespace cartpole {

CartPoleState cartpole_step(const CartPoleState& s, int action) {
  const double force = action == 1 ? kForceMag : -kForceMag;
  // Our own cos and sin (nn/libm.hpp): the C library's differ in the last bit between
  // libraries and versions, and the dynamics amplify a last-bit difference within an episode.
  const double cos_theta = nn::libm::cos(s.theta);
  const double sin_theta = nn::libm::sin(s.theta);
  // The operations are grouped as gymnasium evaluates them (left to right): the same roundings,
  // so a long trajectory does not drift away from gymnasium's (chaotic near the thresholds).
  const double temp =
      (force + kPoleMassLength * (s.theta_dot * s.theta_dot) * sin_theta) / kTotalMass;
  const double theta_acc =
      (kGravity * sin_theta - cos_theta * temp) /
      (kLength * (4.0 / 3.0 - kMassPole * (cos_theta * cos_theta) / kTotalMass));
  const double x_acc = temp - kPoleMassLength * theta_acc * cos_theta / kTotalMass;
  CartPoleState next;
  next.x = s.x + kTau * s.x_dot;
  next.x_dot = s.x_dot + kTau * x_acc;
  next.theta = s.theta + kTau * s.theta_dot;
  next.theta_dot = s.theta_dot + kTau * theta_acc;
  return next;
}

bool cartpole_terminated(const CartPoleState& s) {
  return s.x < -kXThreshold || s.x > kXThreshold || s.theta < -kThetaThreshold ||
         s.theta > kThetaThreshold;
}

void cartpole_observe(const CartPoleState& s, float* out) {
  out[0] = static_cast<float>(s.x);
  out[1] = static_cast<float>(s.x_dot);
  out[2] = static_cast<float>(s.theta);
  out[3] = static_cast<float>(s.theta_dot);
}

phantom::SpacePtr observation_space() {
  constexpr float inf = std::numeric_limits<float>::infinity();
  const float x = static_cast<float>(2 * kXThreshold);
  const float theta = static_cast<float>(2 * kThetaThreshold);
  return phantom::box({-x, -inf, -theta, -inf}, {x, inf, theta, inf}, {4});
}

phantom::SpacePtr action_space() {
  return phantom::discrete(2);
}

CartPoleAgent::CartPoleAgent(std::string id)
    : StrategicAgent(std::move(id), cartpole::observation_space(), cartpole::action_space()) {}

void CartPoleAgent::decode_action(phantom::Context&, const float* action) {
  // The env has checked the action against Discrete(2): it is exactly 0 or 1 (anything else, a
  // raw logit say, is an EnvError before the step starts).
  state = cartpole_step(state, action[0] == 1.0f ? 1 : 0);
}

void CartPoleAgent::generate_messages(phantom::Context&) {
  throw phantom::AgentError("CartPoleAgent '" + id() +
                            "' got no action this step; it must act every step");
}

bool CartPoleAgent::encode_observation(phantom::Context&, float* out) {
  cartpole_observe(state, out);
  return true;
}

double CartPoleAgent::compute_reward(phantom::Context&) {
  return 1.0;
}

bool CartPoleAgent::is_terminated(phantom::Context&) {
  return cartpole_terminated(state);
}

namespace {

// Uniform double in [-kResetBound, kResetBound). -b + 2b * u can round up to exactly b for u
// close to 1, so that one value is moved just below b.
double reset_draw(nn::Rng& rng) {
  double v = -kResetBound + 2 * kResetBound * rng.uniform_double();
  return v < kResetBound ? v : std::nextafter(kResetBound, 0.0);
}

}  // namespace

void CartPoleAgent::reset(nn::Rng& rng) {
  StrategicAgent::reset(rng);
  // One statement per draw: the order (x first) is part of the seed -> episode contract.
  state.x = reset_draw(rng);
  state.x_dot = reset_draw(rng);
  state.theta = reset_draw(rng);
  state.theta_dot = reset_draw(rng);
}

namespace {

std::unique_ptr<phantom::Network> single_agent_network() {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<CartPoleAgent>();
  return net;
}

}  // namespace

CartPoleEnv::CartPoleEnv(int64_t max_steps)
    : PhantomEnv(single_agent_network(), max_steps),
      agent_(&static_cast<CartPoleAgent&>(network().agent(0))) {}

std::unique_ptr<phantom::PhantomEnv> make_cartpole_env(const phantom::EnvConfig& config) {
  for (const auto& entry : config.entries()) {
    if (entry.first != "max_steps") {
      throw phantom::ConfigError("make_cartpole_env: unknown env config entry '" + entry.first +
                                 "'; the only entry is max_steps");
    }
  }
  int64_t max_steps = config.integer("max_steps", kMaxEpisodeSteps);
  if (max_steps <= 0) {
    throw phantom::ConfigError("make_cartpole_env: max_steps must be a positive integer, got " +
                               std::to_string(max_steps));
  }
  return std::make_unique<CartPoleEnv>(max_steps);
}

}  // namespace cartpole
