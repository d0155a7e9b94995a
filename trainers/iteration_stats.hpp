// IterationStats: what one training iteration did — steps, finished episodes' returns per agent,
// the env metrics reduced per episode, and the trainer's own statistics (losses...).
//
// Each env a trainer steps (possibly on its own thread) fills its own IterationStats; the trainer
// merges them in env order, so the sums — and so the CSV row — do not depend on the threads.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace phantom {

/// Count, sum, min and max of a stream of numbers.
struct Accumulator {
  int64_t count = 0;
  double sum = 0.0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  void add(double x) {
    ++count;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  void merge(const Accumulator& o) {
    count += o.count;
    sum += o.sum;
    if (o.min < min) min = o.min;
    if (o.max > max) max = o.max;
  }
  /// NaN when empty (an empty CSV cell).
  double mean() const {
    return count ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
  }
};

class IterationStats {
 public:
  /// Sizes the per-agent, per-metric and per-custom-metric slots (keeps memory); everything
  /// starts at zero.
  void reset(std::size_t num_agents, std::size_t num_metrics, std::size_t num_custom_metrics = 0);

  int64_t env_steps = 0;
  int64_t agent_steps = 0;  // steps times the strategic agents that acted or observed
  int64_t episodes = 0;     // episodes finished this iteration

  /// Episode returns, per strategic position.
  std::vector<Accumulator> returns;
  /// Per-episode reductions of each metric (its train reduce action), in the logger's order.
  std::vector<Accumulator> metrics;
  /// Per-episode values of each custom metric (set by callbacks in Episode::custom_metrics; NaN
  /// and missing values are skipped), in TrainOptions::custom_metrics order.
  std::vector<Accumulator> custom_metrics;
  /// Every finished episode's return, per strategic position: finished_returns[k] holds the
  /// returns of the agent at position k, in the order the episodes ended (per env, envs in
  /// order after a merge). For windows such as "the mean of the last 100 episodes".
  std::vector<std::vector<double>> finished_returns;

  /// A trainer statistic for this iteration (e.g. "loss/policy"); set twice, the last wins.
  /// Names persist across reset() (their values become NaN), so a trainer that sets the same
  /// statistics every iteration allocates nothing after the first.
  void set_stat(const std::string& name, double value);
  const std::vector<std::pair<std::string, double>>& stats() const { return stats_; }

  /// Adds `other`'s steps, episodes, returns and metrics (stats are not merged). Throws
  /// ValueError if the two were sized differently.
  void merge(const IterationStats& other);

 private:
  std::vector<std::pair<std::string, double>> stats_;
};

}  // namespace phantom
