// CartPole-v1 (the classic-control task of gymnasium) as a single-agent Phantom env.
//
// A pole is hinged on a cart that rolls on a frictionless track. Each step the one agent pushes
// the cart left or right with a fixed force and earns 1; the episode terminates once the pole
// leans more than 12 degrees or the cart leaves [-2.4, 2.4], and is truncated after 500 steps.
// Constants, integrator, bounds, reward and reset distribution are gymnasium's, so returns can be
// compared with published PPO results on CartPole-v1 (a solved run averages close to 500).
//
// The physics is a pure function of the state (cartpole_step) so it can be tested on its own; the
// agent applies it when it decodes its action.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "phantom/env.hpp"
#include "phantom/env_config.hpp"

namespace cartpole {

// Gymnasium's constants (SI units).
constexpr double kGravity = 9.8;
constexpr double kMassCart = 1.0;
constexpr double kMassPole = 0.1;
constexpr double kTotalMass = kMassPole + kMassCart;
constexpr double kLength = 0.5;  // half the pole's length: the pivot-to-centre-of-mass distance
constexpr double kPoleMassLength = kMassPole * kLength;
constexpr double kForceMag = 10.0;
constexpr double kTau = 0.02;  // seconds per step

constexpr double kPi = 3.141592653589793;
constexpr double kXThreshold = 2.4;
constexpr double kThetaThreshold = 12 * 2 * kPi / 360;  // 12 degrees in radians
constexpr double kResetBound = 0.05;  // reset draws each state variable in [-0.05, 0.05)
constexpr int64_t kMaxEpisodeSteps = 500;

constexpr const char* kAgentId = "CARTPOLE";

/// Cart position (m) and velocity, pole angle from upright (rad, positive leaning right) and
/// angular velocity. Doubles, as gymnasium keeps them; observations round them to float.
struct CartPoleState {
  double x = 0.0;
  double x_dot = 0.0;
  double theta = 0.0;
  double theta_dot = 0.0;
};

/// The state tau seconds later under a push of +kForceMag (action 1, to the right) or -kForceMag
/// (action 0): gymnasium's equations of motion, integrated with explicit Euler (its default
/// "euler" kinematics: positions advance with the old velocities).
CartPoleState cartpole_step(const CartPoleState& s, int action);
/// True once the cart or the pole is strictly beyond its threshold (exactly 2.4 is still alive).
bool cartpole_terminated(const CartPoleState& s);
/// Writes the observation: the state rounded to float, in the order x, x_dot, theta, theta_dot.
void cartpole_observe(const CartPoleState& s, float* out);

/// Box(4): +-2 * kXThreshold, +-inf, +-2 * kThetaThreshold, +-inf, as float32 (gymnasium's bounds).
phantom::SpacePtr observation_space();
/// Discrete(2): 0 pushes left, 1 pushes right.
phantom::SpacePtr action_space();

/// The cart and pole. Observes the state, is rewarded 1.0 every step (the terminating one
/// included), terminates beyond the thresholds. It must be given an action every step: without
/// one it throws AgentError, because the physics only advances when an action is decoded.
class CartPoleAgent : public phantom::StrategicAgent {
 public:
  explicit CartPoleAgent(std::string id = kAgentId);

  /// Advances the physics by one step (the env has checked that the action is 0 or 1).
  void decode_action(phantom::Context& ctx, const float* action) override;
  void generate_messages(phantom::Context& ctx) override;
  bool encode_observation(phantom::Context& ctx, float* out) override;
  double compute_reward(phantom::Context& ctx) override;
  bool is_terminated(phantom::Context& ctx) override;
  /// Draws x, x_dot, theta, theta_dot (in that order) uniformly in [-0.05, 0.05) as doubles.
  void reset(nn::Rng& rng) override;

  /// Public so tests and demos can place the pole anywhere; set it after reset().
  CartPoleState state;
};

/// One CartPoleAgent, no other agents, episodes truncated at max_steps (gymnasium's TimeLimit).
class CartPoleEnv : public phantom::PhantomEnv {
 public:
  /// Throws ConfigError unless max_steps > 0.
  explicit CartPoleEnv(int64_t max_steps = kMaxEpisodeSteps);
  CartPoleAgent& agent() const { return *agent_; }

 private:
  CartPoleAgent* agent_;  // owned by the network
};

/// The EnvFactory of CartPole. Entries (all optional): `max_steps` (integer > 0, default 500).
/// Throws ConfigError on any other entry, naming it, and on a bad max_steps.
std::unique_ptr<phantom::PhantomEnv> make_cartpole_env(const phantom::EnvConfig& config = {});

}  // namespace cartpole
