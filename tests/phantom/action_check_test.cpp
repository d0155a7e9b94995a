// Actions are checked against their agent's action space before a step happens: an EnvError
// names the agent, the action and the space, and the env is left as it was (phantom/env.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "phantom/env.hpp"
#include "phantom/error.hpp"
#include "support/error_message.hpp"

namespace {

using phantom::Context;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Acts in a given space and counts how often it decoded an action. Its decoder indexes a table
// by the action, as the newcomer's did when it read past the end of its array.
class Actor : public phantom::StrategicAgent {
 public:
  Actor(std::string id, phantom::SpacePtr action_space)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), std::move(action_space)) {}
  bool encode_observation(Context&, float* out) override {
    out[0] = 0;
    return true;
  }
  void decode_action(Context&, const float*) override { ++decoded; }
  double compute_reward(Context&) override { return 0; }
  int decoded = 0;
};

struct OneActor {
  explicit OneActor(phantom::SpacePtr space) {
    auto net = std::make_unique<phantom::Network>();
    actor = &net->emplace<Actor>("TRADER", std::move(space));
    env = std::make_unique<phantom::PhantomEnv>(std::move(net), 10);
    env->reset(1);
    actions = env->make_actions();
  }
  // The EnvError message of stepping with `action`, which must fail and change nothing.
  std::string refused(const std::vector<float>& action) {
    actions.set("TRADER", action);
    const std::string m = test_support::message_of<phantom::EnvError>([&] { env->step(actions); });
    EXPECT_EQ(env->current_step(), 0) << "the refused step must not start";
    EXPECT_EQ(actor->decoded, 0);
    return m;
  }
  Actor* actor = nullptr;
  std::unique_ptr<phantom::PhantomEnv> env;
  phantom::Actions actions;
};

TEST(ActionCheck, DiscreteOutOfRangeNonIntegerOrNaNNamesAgentValueAndSpace) {
  OneActor t(phantom::discrete(3, 1));
  const std::string m = t.refused({4});
  EXPECT_HAS(m,
             "agent 'TRADER' chose the action 4, which is not in its action space "
             "Discrete(3, start=1) (expected an integer from 1 to 3; never NaN)");
  EXPECT_HAS(t.refused({0}), "the action 0,");
  EXPECT_HAS(t.refused({1.5f}), "the action 1.5,");
  EXPECT_HAS(t.refused({kNaN}), "the action nan,");
  // The env is still usable: a good action steps it.
  t.actions.set("TRADER", {3});
  t.env->step(t.actions);
  EXPECT_EQ(t.actor->decoded, 1);
}

TEST(ActionCheck, MultiDiscreteAndMultiBinary) {
  OneActor md(phantom::multi_discrete({2, 3}));
  EXPECT_HAS(md.refused({1, 3}),
             "the action [1, 3], which is not in its action space "
             "MultiDiscrete([2, 3])");
  EXPECT_HAS(md.refused({-1, 0}), "component k an integer from 0 to nvec[k] - 1");
  OneActor mb(phantom::multi_binary(3));
  EXPECT_HAS(mb.refused({0, 1, 2}), "MultiBinary(3) (expected each component 0 or 1");
  EXPECT_HAS(mb.refused({0, kNaN, 1}), "[0, nan, 1]");
}

TEST(ActionCheck, BoxValuesOutsideTheBoundsOrNaNAreErrorsTheEnvNeverClips) {
  OneActor t(phantom::box(0, 100, {1}));
  EXPECT_HAS(t.refused({150}),
             "the action [150], which is not in its action space "
             "Box(0, 100, (1,)) (expected each component within its bounds; "
             "the env does not clip Box actions");
  EXPECT_HAS(t.refused({-std::numeric_limits<float>::infinity()}), "[-inf]");
  EXPECT_HAS(t.refused({kNaN}), "[nan]");
  t.actions.set("TRADER", {100});  // the bounds themselves are in the box
  t.env->step(t.actions);
  EXPECT_EQ(t.actor->decoded, 1);
}

TEST(ActionCheck, AnActionForAnAgentThatLeftTheEpisodeIsIgnoredNotChecked) {
  // Two agents; A terminates at step 1. Its stale action buffer is not looked at afterwards.
  class Leaves : public Actor {
   public:
    using Actor::Actor;
    bool is_terminated(Context& ctx) override { return ctx.env_view().current_step == 1; }
  };
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Leaves>("A", phantom::discrete(2));
  net->emplace<Actor>("B", phantom::discrete(2));
  phantom::PhantomEnv env(std::move(net), 5);
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  actions.set("A", {1});
  actions.set("B", {1});
  env.step(actions);
  actions.set("A", {7});  // A is done: ignored, as the decoder would ignore it
  env.step(actions);
  EXPECT_EQ(env.current_step(), 2);
}

}  // namespace
