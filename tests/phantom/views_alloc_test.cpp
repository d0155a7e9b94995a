// Steady-state episodes with agent views, a richer env view, an FSM stage view and managed
// supertype samplers allocate nothing: views are snapshotted into a reused arena.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "phantom/fsm_env.hpp"
#include "support/counting_allocator.hpp"

namespace {

using phantom::Context;

struct LevelView {
  float level;
};

struct LevelType : phantom::Supertype {
  phantom::Field growth{this, "growth", phantom::uniform(0.0f, 1.0f)};
};

// Shows its level to its neighbours and reads theirs; acts with a one-float action.
class Peer : public phantom::StrategicAgent, public phantom::WithView<LevelView> {
 public:
  explicit Peer(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 10, {1}), phantom::box(0, 1, {1})) {
    set_supertype(std::make_shared<LevelType>());
  }
  LevelView view(const phantom::Agent&) const override { return {level_}; }
  bool encode_observation(Context& ctx, float* out) override {
    float sum = 0.0f;
    for (phantom::AgentIndex n : ctx.neighbours())
      if (const LevelView* v = ctx.view<LevelView>(n)) sum += v->level;
    out[0] = sum + static_cast<float>(ctx.env_view<phantom::FSMEnvView>().stage.size());
    return true;
  }
  void decode_action(Context&, const float* action) override {
    level_ += action[0] * type<LevelType>().growth.value();
  }
  double compute_reward(Context&) override { return level_; }
  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    level_ = 0.0f;
  }

 private:
  float level_ = 0.0f;
};

TEST(AllocViews, SteadyStateFsmEpisodeWithViewsAllocatesNothing) {
  auto net = std::make_unique<phantom::Network>();
  for (const char* id : {"a", "b", "c"}) net->emplace<Peer>(id);
  net->add_connections_from({{"a", "b"}, {"b", "c"}, {"c", "a"}});
  std::vector<phantom::FSMStage> stages = {
      {"a stage with a long name, beyond small-string storage",
       {"a", "b"},
       std::nullopt,
       {"short"},
       {}},
      {"short",
       {"c"},
       std::nullopt,
       {"a stage with a long name, beyond small-string storage"},
       {}}};
  phantom::FiniteStateMachineEnv env(std::move(net), 30, stages[0].id, stages);
  env.set_agent_supertype("b", {{"growth", phantom::uniform(0.5f, 1.0f)}});
  phantom::Actions actions = env.make_actions();
  auto episode = [&](uint64_t seed) {
    env.reset(seed);
    while (!env.done()) {
      actions.clear();
      for (int i = 0; i < env.num_strategic(); ++i) actions.set(i)[0] = 0.5f;
      env.step(actions);
    }
  };
  episode(1);  // buffers grow here
  long n = alloc_counter::allocations_during([&] {
    for (uint64_t seed = 2; seed < 6; ++seed) episode(seed);
  });
  EXPECT_EQ(n, 0);
}

}  // namespace
