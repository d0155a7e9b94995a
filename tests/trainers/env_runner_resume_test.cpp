// EnvRunner checkpoints: a runner saved mid-episode and loaded into a fresh env continues exactly
// as the original does; a runner saved before its first episode loads too.
#include "trainers/env_runner.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "discrete_supply_chain.hpp"

namespace {

using phantom::EnvRunner;

// Steps `n` times with orders cycling through the action space; returns every observation and
// reward seen, resetting at episode ends.
std::vector<double> drive(EnvRunner& runner, phantom::IterationStats& stats, int n, int phase) {
  std::vector<double> seen;
  for (int i = 0; i < n; ++i) {
    if (runner.result().done()) runner.reset();
    runner.actions().clear();
    runner.actions().set(0)[0] = static_cast<float>((i + phase) % supply_chain::kNumOrderSizes);
    const phantom::StepResult& r = runner.step(stats);
    seen.push_back(r.observation(0)[0]);
    seen.push_back(r.reward(0));
  }
  return seen;
}

TEST(EnvRunnerResume, ContinuesMidEpisodeExactlyAfterLoading) {
  EnvRunner a(supply_chain::make_discrete_env(), 11);
  phantom::IterationStats stats;
  stats.reset(1, 0);
  a.reset();
  drive(a, stats, 137, 0);  // into the second episode
  nn::StateDict saved;
  a.save(saved, "runner");

  EnvRunner b(supply_chain::make_discrete_env(), 11);
  b.load(nn::decode_state_dict(nn::encode_state_dict(saved).data(),
                               nn::encode_state_dict(saved).size(), "mem"),
         "runner");
  EXPECT_EQ(b.episode(), 1);
  EXPECT_EQ(b.env().current_step(), 37);
  phantom::IterationStats sa, sb;
  sa.reset(1, 0);
  sb.reset(1, 0);
  EXPECT_EQ(drive(a, sa, 250, 137), drive(b, sb, 250, 137));
  EXPECT_EQ(sa.episodes, sb.episodes);
  EXPECT_EQ(sa.returns[0].sum, sb.returns[0].sum);  // the loaded runner kept the running return
}

TEST(EnvRunnerResume, LoadsARunnerSavedBeforeItsFirstEpisode) {
  EnvRunner a(supply_chain::make_discrete_env(), 3);
  nn::StateDict saved;
  a.save(saved, "runner");
  EnvRunner b(supply_chain::make_discrete_env(), 3);
  b.load(saved, "runner");
  phantom::IterationStats sa, sb;
  sa.reset(1, 0);
  sb.reset(1, 0);
  a.reset();
  b.reset();
  EXPECT_EQ(drive(a, sa, 120, 0), drive(b, sb, 120, 0));
}

}  // namespace
