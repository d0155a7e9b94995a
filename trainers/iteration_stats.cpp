// IterationStats: reset and merge.
#include "trainers/iteration_stats.hpp"

#include "nn/error.hpp"

namespace phantom {

void IterationStats::reset(std::size_t num_agents, std::size_t num_metrics,
                           std::size_t num_custom_metrics) {
  env_steps = agent_steps = episodes = 0;
  returns.assign(num_agents, Accumulator{});
  finished_returns.resize(num_agents);
  for (auto& r : finished_returns) r.clear();  // keeps capacity
  metrics.assign(num_metrics, Accumulator{});
  custom_metrics.assign(num_custom_metrics, Accumulator{});
  for (auto& kv : stats_) kv.second = std::numeric_limits<double>::quiet_NaN();
}

void IterationStats::set_stat(const std::string& name, double value) {
  for (auto& kv : stats_) {
    if (kv.first == name) {
      kv.second = value;
      return;
    }
  }
  stats_.emplace_back(name, value);
}

void IterationStats::merge(const IterationStats& other) {
  if (other.returns.size() != returns.size() || other.metrics.size() != metrics.size() ||
      other.custom_metrics.size() != custom_metrics.size()) {
    throw ValueError("IterationStats::merge: the two stats were sized for different envs");
  }
  env_steps += other.env_steps;
  agent_steps += other.agent_steps;
  episodes += other.episodes;
  for (std::size_t i = 0; i < returns.size(); ++i) {
    returns[i].merge(other.returns[i]);
    finished_returns[i].insert(finished_returns[i].end(), other.finished_returns[i].begin(),
                               other.finished_returns[i].end());
  }
  for (std::size_t i = 0; i < metrics.size(); ++i) metrics[i].merge(other.metrics[i]);
  for (std::size_t i = 0; i < custom_metrics.size(); ++i) {
    custom_metrics[i].merge(other.custom_metrics[i]);
  }
}

}  // namespace phantom
