#include "analysis/rollout_tensorboard.hpp"

#include <optional>
#include <vector>

namespace phantom {

RolloutTensorBoardWriter::RolloutTensorBoardWriter(const std::string& dir) : writer_(dir) {}

void RolloutTensorBoardWriter::write(const Rollout& rollout) {
  const int64_t step = rollout.rollout_id;
  for (const RolloutParam& p : rollout.params) writer_.add_scalar("param/" + p.name, p.value, step);
  for (const std::string& agent : rollout.agent_ids()) {
    double total = 0.0;
    for (const std::optional<double>& r : rollout.rewards_for_agent(agent, /*drop_nones=*/true))
      total += *r;
    writer_.add_scalar("rewards/" + agent, total, step);
  }
  for (const ReducedMetric& m : rollout.metrics) {
    if (m.value) writer_.add_scalar(m.name, *m.value, step);
  }
  ++rollouts_;
}

}  // namespace phantom
