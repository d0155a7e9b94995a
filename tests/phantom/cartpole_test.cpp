// The CartPole example: gymnasium's CartPole-v1 physics, bounds, reward, termination, truncation
// and reset, through the env, its factory and the single-agent adapter.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "cartpole.hpp"
#include "phantom/sampler.hpp"
#include "phantom/single_agent_adapter.hpp"

namespace {

using cartpole::cartpole_step;
using cartpole::cartpole_terminated;
using cartpole::CartPoleEnv;
using cartpole::CartPoleState;

// The frictionless cart-pole of Barto, Sutton & Anderson (1983), as Florian's 2007 note writes
// it, in its own grouping (not the one the library evaluates in), so that a slip in the library's
// formula would not be copied here. Returns {x_acc, theta_acc} for push `force`.
std::pair<double, double> textbook_accelerations(const CartPoleState& s, double force) {
  const double g = 9.8, m_cart = 1.0, m_pole = 0.1, l = 0.5;  // l: half the pole length
  const double m = m_cart + m_pole;
  const double sin_t = std::sin(s.theta), cos_t = std::cos(s.theta);
  const double theta_acc =
      (g * sin_t + cos_t * (-force - m_pole * l * s.theta_dot * s.theta_dot * sin_t) / m) /
      (l * (4.0 / 3.0 - m_pole * cos_t * cos_t / m));
  const double x_acc =
      (force + m_pole * l * (s.theta_dot * s.theta_dot * sin_t - theta_acc * cos_t)) / m;
  return {x_acc, theta_acc};
}

void expect_state_near(const CartPoleState& got, const CartPoleState& want, double tol) {
  EXPECT_NEAR(got.x, want.x, tol);
  EXPECT_NEAR(got.x_dot, want.x_dot, tol);
  EXPECT_NEAR(got.theta, want.theta, tol);
  EXPECT_NEAR(got.theta_dot, want.theta_dot, tol);
}

TEST(CartPole, ConstantsAreGymnasiums) {
  EXPECT_DOUBLE_EQ(cartpole::kThetaThreshold, 0.20943951023931953);  // 12 degrees
  EXPECT_DOUBLE_EQ(cartpole::kTotalMass, 1.1);
  EXPECT_DOUBLE_EQ(cartpole::kPoleMassLength, 0.05);
  EXPECT_EQ(cartpole::kMaxEpisodeSteps, 500);
}

// From rest, upright, pushed right: sin = 0 and cos = 1, so with M = 1.1 the equations reduce to
//   temp      = F / M                               = 10 / 1.1 = 100/11
//   theta_acc = -temp / (l (4/3 - m_pole / M))      = -(100/11) / (0.5 * 41/33) = -600/41
//   x_acc     = temp - m_pole l theta_acc / M       = 100/11 + 300/451 = 400/41
// and one Euler step of 0.02 s leaves the positions at 0 (they use the old, zero velocities).
TEST(CartPole, StepFromRestMatchesHandComputedValues) {
  CartPoleState right = cartpole_step(CartPoleState{}, 1);
  expect_state_near(right, {0.0, 0.02 * 400.0 / 41.0, 0.0, 0.02 * -600.0 / 41.0}, 1e-15);
  EXPECT_EQ(right.x, 0.0);
  EXPECT_EQ(right.theta, 0.0);
  // Pushing left mirrors it exactly.
  CartPoleState left = cartpole_step(CartPoleState{}, 0);
  EXPECT_EQ(left.x_dot, -right.x_dot);
  EXPECT_EQ(left.theta_dot, -right.theta_dot);
}

// Tilted, moving states against the textbook equations, integrated by hand with explicit Euler.
TEST(CartPole, StepMatchesTheEquationsOfMotion) {
  const CartPoleState states[] = {
      {0.1, -0.2, 0.05, 0.3}, {-1.5, 0.8, -0.15, -1.2}, {2.0, 1.9, 0.2, 2.5}, {0, 0, -0.01, 0}};
  for (const CartPoleState& s : states) {
    for (int action : {0, 1}) {
      double force = action == 1 ? 10.0 : -10.0;
      auto acc = textbook_accelerations(s, force);
      CartPoleState want{s.x + 0.02 * s.x_dot, s.x_dot + 0.02 * acc.first,
                         s.theta + 0.02 * s.theta_dot, s.theta_dot + 0.02 * acc.second};
      SCOPED_TRACE("theta " + std::to_string(s.theta) + " action " + std::to_string(action));
      expect_state_near(cartpole_step(s, action), want, 1e-13);
    }
  }
  // Gravity pulls a pole that leans right further right, so the same push right slows it less
  // than an upright one: a sign check that the two effects are not swapped.
  double at_zero = cartpole_step(CartPoleState{}, 1).theta_dot;
  double leaning = cartpole_step(CartPoleState{0, 0, 0.1, 0}, 1).theta_dot;
  EXPECT_GT(leaning, at_zero);
}

// Termination is strict: exactly at a threshold is alive, the next double beyond it is not.
TEST(CartPole, TerminationThresholdsAreExact) {
  const double inf = std::numeric_limits<double>::infinity();
  const double x = cartpole::kXThreshold, t = cartpole::kThetaThreshold;
  EXPECT_FALSE(cartpole_terminated({x, 0, 0, 0}));
  EXPECT_FALSE(cartpole_terminated({-x, 0, 0, 0}));
  EXPECT_TRUE(cartpole_terminated({std::nextafter(x, inf), 0, 0, 0}));
  EXPECT_TRUE(cartpole_terminated({std::nextafter(-x, -inf), 0, 0, 0}));
  EXPECT_FALSE(cartpole_terminated({0, 0, t, 0}));
  EXPECT_FALSE(cartpole_terminated({0, 0, -t, 0}));
  EXPECT_TRUE(cartpole_terminated({0, 0, std::nextafter(t, inf), 0}));
  EXPECT_TRUE(cartpole_terminated({0, 0, std::nextafter(-t, -inf), 0}));
  // Velocities never terminate.
  EXPECT_FALSE(cartpole_terminated({0, 1e9, 0, -1e9}));
}

TEST(CartPole, Spaces) {
  CartPoleEnv env;
  const auto& agent = env.agent();
  EXPECT_EQ(*agent.action_space(), *phantom::discrete(2));
  const auto& box = agent.observation_space()->as_box();
  const float inf = std::numeric_limits<float>::infinity();
  const float x = static_cast<float>(2 * 2.4),
              t = static_cast<float>(2 * 12 * 2 * 3.141592653589793 / 360);
  EXPECT_EQ(box.shape(), std::vector<int64_t>{4});
  EXPECT_EQ(box.high(), (std::vector<float>{x, inf, t, inf}));
  EXPECT_EQ(box.low(), (std::vector<float>{-x, -inf, -t, -inf}));
  EXPECT_FLOAT_EQ(t, 0.41887903f);
  EXPECT_EQ(env.strategic_agent_ids(), std::vector<std::string>{cartpole::kAgentId});
  EXPECT_EQ(env.n_agents(), 1);
}

// Stepping the env applies exactly cartpole_step; the observation is the new state as float.
TEST(CartPole, EnvStepsThePhysicsAndObservesTheStateAsFloat) {
  CartPoleEnv env;
  phantom::Actions actions = env.make_actions();
  const phantom::StepResult& first = env.reset(11);
  CartPoleState expected = env.agent().state;
  EXPECT_EQ(first.observation_vector(0),
            (std::vector<float>{static_cast<float>(expected.x), static_cast<float>(expected.x_dot),
                                static_cast<float>(expected.theta),
                                static_cast<float>(expected.theta_dot)}));
  for (int i = 0; i < 30 && !env.done(); ++i) {
    int action = (i / 3) % 2;
    actions.set(0)[0] = static_cast<float>(action);
    const phantom::StepResult& r = env.step(actions);
    expected = cartpole_step(expected, action);
    const CartPoleState& s = env.agent().state;
    EXPECT_EQ(s.x, expected.x);
    EXPECT_EQ(s.theta_dot, expected.theta_dot);
    const float* obs = r.observation(0);
    EXPECT_EQ(obs[0], static_cast<float>(s.x));
    EXPECT_EQ(obs[1], static_cast<float>(s.x_dot));
    EXPECT_EQ(obs[2], static_cast<float>(s.theta));
    EXPECT_EQ(obs[3], static_cast<float>(s.theta_dot));
    EXPECT_TRUE(env.agent().observation_space()->contains(obs));
  }
}

// Reward 1 on every step, the terminating one included; the episode ends on termination.
TEST(CartPole, RewardIsOnePerStepUntilTermination) {
  CartPoleEnv env;
  phantom::Actions actions = env.make_actions();
  env.reset(3);
  int steps = 0;
  double total = 0;
  const phantom::StepResult* r = nullptr;
  do {
    actions.set(0)[0] = 1.0f;  // always right: the pole falls left within a few dozen steps
    r = &env.step(actions);
    ASSERT_TRUE(r->has_reward(0));
    EXPECT_EQ(r->reward(0), 1.0);
    total += r->reward(0);
    ++steps;
  } while (!r->done());
  EXPECT_TRUE(r->terminated(0));
  EXPECT_TRUE(r->all_terminated);
  EXPECT_FALSE(r->all_truncated);
  EXPECT_TRUE(cartpole_terminated(env.agent().state));
  EXPECT_LT(steps, 100);
  EXPECT_EQ(total, steps);
  EXPECT_THROW(env.step(actions), phantom::EnvError);
}

// Placing the state on a threshold with zero velocity: the step keeps the position exactly there.
TEST(CartPole, EnvTerminatesJustBeyondAThresholdOnly) {
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    CartPoleState state;
    bool terminated;
  };
  const Case cases[] = {
      {{cartpole::kXThreshold, 0, 0, 0}, false},
      {{std::nextafter(cartpole::kXThreshold, inf), 0, 0, 0}, true},
      {{0, 0, -cartpole::kThetaThreshold, 0}, false},
      {{0, 0, std::nextafter(-cartpole::kThetaThreshold, -inf), 0}, true},
  };
  CartPoleEnv env;
  phantom::Actions actions = env.make_actions();
  for (const Case& c : cases) {
    env.reset(1);
    env.agent().state = c.state;
    actions.set(0)[0] = 0.0f;
    const phantom::StepResult& r = env.step(actions);
    EXPECT_EQ(r.terminated(0), c.terminated) << c.state.x << " " << c.state.theta;
    EXPECT_EQ(r.done(), c.terminated);
    EXPECT_EQ(r.reward(0), 1.0);
  }
}

// Holding the pole upright at rest before every step never terminates; the 500th step truncates.
TEST(CartPole, TruncatesAtFiveHundredSteps) {
  CartPoleEnv env;
  phantom::Actions actions = env.make_actions();
  env.reset(5);
  const phantom::StepResult* r = nullptr;
  for (int i = 1; i <= 500; ++i) {
    ASSERT_FALSE(env.done()) << "ended early at step " << i - 1;
    env.agent().state = CartPoleState{};
    actions.set(0)[0] = static_cast<float>(i % 2);
    r = &env.step(actions);
  }
  EXPECT_EQ(env.current_step(), 500);
  EXPECT_TRUE(r->all_truncated);
  EXPECT_FALSE(r->all_terminated);
  EXPECT_FALSE(r->terminated(0));
  EXPECT_EQ(r->reward(0), 1.0);
}

// Reset draws every state variable in [-0.05, 0.05), spread over the whole interval, and the
// same seed gives the same state.
TEST(CartPole, ResetDistributionAndDeterminism) {
  CartPoleEnv env;
  double lo[4] = {1, 1, 1, 1}, hi[4] = {-1, -1, -1, -1}, sum[4] = {0, 0, 0, 0};
  const int n = 2000;
  for (int seed = 0; seed < n; ++seed) {
    env.reset(static_cast<uint64_t>(seed));
    const CartPoleState& s = env.agent().state;
    const double v[4] = {s.x, s.x_dot, s.theta, s.theta_dot};
    for (int k = 0; k < 4; ++k) {
      ASSERT_GE(v[k], -0.05);
      ASSERT_LT(v[k], 0.05);
      lo[k] = std::min(lo[k], v[k]);
      hi[k] = std::max(hi[k], v[k]);
      sum[k] += v[k];
    }
  }
  for (int k = 0; k < 4; ++k) {
    EXPECT_LT(lo[k], -0.049);
    EXPECT_GT(hi[k], 0.049);
    EXPECT_NEAR(sum[k] / n, 0.0, 0.004);  // ~4.4 standard errors (sd 0.0289 / sqrt(2000))
  }

  env.reset(42);
  CartPoleState a = env.agent().state;
  CartPoleEnv other;
  const phantom::StepResult& r = other.reset(42);
  CartPoleState b = other.agent().state;
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.x_dot, b.x_dot);
  EXPECT_EQ(a.theta, b.theta);
  EXPECT_EQ(a.theta_dot, b.theta_dot);
  EXPECT_EQ(r.observation(0)[2], static_cast<float>(b.theta));
  // The four variables are distinct draws, and another seed gives another state.
  EXPECT_NE(a.x, a.x_dot);
  env.reset(43);
  EXPECT_NE(env.agent().state.x, a.x);
  // Without a seed the generator continues: a new start, not a repeat of the last one.
  env.reset(42);
  env.reset();
  EXPECT_NE(env.agent().state.x, a.x);
}

// Anything but an exact 0 or 1 (a raw logit, say) is refused by the env's check of actions
// against their space, naming the agent and the space, before the physics moves.
TEST(CartPole, RejectsActionsOutsideDiscreteTwo) {
  CartPoleEnv env;
  phantom::Actions actions = env.make_actions();
  for (float bad : {0.5f, 2.0f, -1.0f, std::numeric_limits<float>::quiet_NaN()}) {
    env.reset(1);
    const cartpole::CartPoleState before = env.agent().state;
    actions.set(0)[0] = bad;
    try {
      env.step(actions);
      ADD_FAILURE() << "action " << bad << " was accepted";
    } catch (const phantom::EnvError& e) {
      EXPECT_NE(std::string(e.what()).find("agent 'CARTPOLE'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("Discrete(2)"), std::string::npos) << e.what();
    }
    EXPECT_EQ(env.agent().state.x, before.x);
  }
  env.reset(1);
  actions.clear();  // no action at all: the physics cannot advance
  EXPECT_THROW(env.step(actions), phantom::AgentError);
}

TEST(CartPole, FactoryReadsMaxSteps) {
  auto env = cartpole::make_cartpole_env();
  EXPECT_EQ(env->num_steps(), std::optional<int64_t>(500));
  ASSERT_NE(dynamic_cast<CartPoleEnv*>(env.get()), nullptr);

  auto short_env = cartpole::make_cartpole_env(phantom::EnvConfig{{"max_steps", 3}});
  EXPECT_EQ(short_env->num_steps(), std::optional<int64_t>(3));
  phantom::Actions actions = short_env->make_actions();
  short_env->reset(1);
  for (int i = 0; i < 3; ++i) {
    actions.set(0)[0] = static_cast<float>(i % 2);
    short_env->step(actions);
  }
  EXPECT_TRUE(short_env->step_result().all_truncated);

  phantom::EnvFactory factory = cartpole::make_cartpole_env;  // usable as an EnvFactory
  EXPECT_EQ(factory(phantom::EnvConfig{})->num_steps(), std::optional<int64_t>(500));
}

TEST(CartPole, FactoryRejectsBadConfigs) {
  using phantom::ConfigError;
  using phantom::EnvConfig;
  EXPECT_THROW(cartpole::make_cartpole_env(EnvConfig{{"gravity", 9.8f}}), ConfigError);
  EXPECT_THROW(cartpole::make_cartpole_env(EnvConfig{{"max_steps", 0}}), ConfigError);
  EXPECT_THROW(cartpole::make_cartpole_env(EnvConfig{{"max_steps", -5}}), ConfigError);
  EXPECT_THROW(cartpole::make_cartpole_env(EnvConfig{{"max_steps", 2.5f}}), ConfigError);
  EXPECT_THROW(cartpole::make_cartpole_env(EnvConfig{{"max_steps", phantom::uniform(1.0f, 5.0f)}}),
               ConfigError);
  try {
    cartpole::make_cartpole_env(EnvConfig{{"max_steps", 10}, {"masspole", 0.2f}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'masspole'"), std::string::npos) << e.what();
  }
}

// Through the single-agent adapter (how a single-agent trainer sees the env).
TEST(CartPole, WorksThroughTheSingleAgentAdapter) {
  phantom::SingleAgentEnvAdapter adapter(cartpole::make_cartpole_env(), cartpole::kAgentId, {});
  EXPECT_EQ(*adapter.action_space(), *phantom::discrete(2));
  EXPECT_EQ(adapter.observation_space()->flat_size(), 4);

  CartPoleEnv direct;
  const phantom::StepResult& d0 = direct.reset(9);
  auto t = adapter.reset(9);
  ASSERT_TRUE(t.observed);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(t.observation[k], d0.observation(0)[k]);

  phantom::Actions actions = direct.make_actions();
  int steps = 0;
  do {
    // Push towards theta + theta_dot: a controller that keeps the pole up for a while.
    float action = t.observation[2] + t.observation[3] > 0.0f ? 1.0f : 0.0f;
    t = adapter.step(&action);
    actions.set(0)[0] = action;
    const phantom::StepResult& d = direct.step(actions);
    ++steps;
    ASSERT_TRUE(t.observed);
    EXPECT_EQ(t.reward, 1.0);
    for (int k = 0; k < 4; ++k) ASSERT_EQ(t.observation[k], d.observation(0)[k]);
    EXPECT_EQ(t.terminated, d.all_terminated);
    EXPECT_EQ(t.truncated, d.all_truncated);
  } while (!t.terminated && !t.truncated);
  EXPECT_GT(steps, 100);
}

}  // namespace
