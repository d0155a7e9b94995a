// Rollouts as TensorBoard scalars (analysis/rollout_tensorboard.hpp): each rollout's params,
// agents' returns and metrics at step = its rollout id, read back with the tests' own reader.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/rollout_tensorboard.hpp"
#include "analysis/tensorboard_reader.hpp"
#include "test_files.hpp"

namespace {

using analysis_test::read_all;
using analysis_test::ScratchDir;

phantom::AgentRecord rewarded(std::optional<double> reward) {
  phantom::AgentRecord r;
  r.observation = std::vector<float>{0.0f};
  r.action = std::vector<float>{1.0f};
  r.reward = reward;
  return r;
}

// Rollout `id` at grid point price = `price`: agent A earns 1 then 2, B earns 5 once (no reward
// at the first step); metric "profit" has a value only when `profit` is set.
phantom::Rollout rollout(int64_t id, float price, std::optional<double> profit) {
  phantom::Rollout r;
  r.rollout_id = id;
  r.params = {{"price", price}};
  r.set_agents({"A", "B"}, {1, 1}, {1, 1});
  for (int64_t i = 0; i < 2; ++i) {
    phantom::Step s;
    s.i = i;
    s.agents = {rewarded(i == 0 ? 1.0 : 2.0), rewarded(i == 0 ? std::nullopt : std::optional(5.0))};
    r.append(s);
  }
  phantom::ReducedMetric m;
  m.name = "profit";
  m.value = profit;
  phantom::ReducedMetric none;
  none.name = "stock";
  none.values = {1.0, 2.0};  // reduced with `none`: no single value to draw
  r.metrics = {m, none};
  return r;
}

TEST(RolloutTensorBoardWriter, WritesEachRolloutsNumbersAtItsRolloutId) {
  ScratchDir dir;
  phantom::RolloutTensorBoardWriter tb(dir.file("tb"));
  tb.write(rollout(0, 0.5f, 12.5));
  tb.write(rollout(7, 2.0f, std::nullopt));
  EXPECT_EQ(tb.rollouts(), 2u);

  const tensorboard_test::EventFile file = tensorboard_test::decode_event_file(read_all(tb.path()));
  std::map<std::pair<std::string, int64_t>, float> got;
  for (std::size_t k = 1; k < file.events.size(); ++k)
    got[{file.events[k].tag, file.events[k].step}] = file.events[k].value;
  const std::map<std::pair<std::string, int64_t>, float> expected = {
      {{"param/price", 0}, 0.5f}, {{"rewards/A", 0}, 3.0f},   {{"rewards/B", 0}, 5.0f},
      {{"profit", 0}, 12.5f},     {{"param/price", 7}, 2.0f}, {{"rewards/A", 7}, 3.0f},
      {{"rewards/B", 7}, 5.0f}};
  EXPECT_EQ(got, expected);
  EXPECT_EQ(file.events.size(), 1u + expected.size());  // nothing written twice
}

}  // namespace
