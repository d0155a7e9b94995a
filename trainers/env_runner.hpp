// EnvRunner: one environment as a trainer drives it.
//
// It owns the env and its action buffer, gives each episode a seed derived from (the runner's
// seed, the episode's number), keeps each agent's running return and the episode's metric
// values, and reports finished episodes into an IterationStats.
//
// It also records the actions of the current episode. That record is what makes checkpoints
// exact: an env's state is whatever its seed and the actions since reset made it, so saving
// (episode number, actions so far) and replaying them on load restores the env mid-episode,
// bit for bit, without the env having to know how to serialise itself.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/serialize.hpp"
#include "phantom/env.hpp"
#include "phantom/metrics.hpp"
#include "trainers/iteration_stats.hpp"

namespace phantom {

class EnvRunner {
 public:
  /// `seed` picks this runner's episode seeds; `metrics` are recorded after every step.
  EnvRunner(std::unique_ptr<PhantomEnv> env, uint64_t seed, NamedMetrics metrics = {});

  PhantomEnv& env() const { return *env_; }
  /// The buffer the trainer fills before step().
  Actions& actions() { return actions_; }
  /// What the last reset() / step() reported.
  const StepResult& result() const { return env_->step_result(); }
  /// Number of the current episode (0 for the first).
  int64_t episode() const { return episode_ - 1; }

  /// Starts the next episode with its derived seed.
  const StepResult& reset();
  /// Steps with actions() and records the step; when the episode ends, adds its returns and
  /// reduced metrics to `stats`. It does not reset: the trainer decides when (after reading the
  /// final observations).
  const StepResult& step(IterationStats& stats);

  /// Saves the episode number and the actions since its reset under `prefix`.
  void save(nn::StateDict& out, const std::string& prefix) const;
  /// Restores the env to the saved point by resetting to that episode and replaying its
  /// actions. Throws FormatError if the saved actions do not fit this env.
  void load(const nn::StateDict& in, const std::string& prefix);

  const MetricLogger& metrics() const { return metrics_; }
  /// Which reduce action of each metric finished episodes report (train by default).
  void set_metric_mode(Mode mode) { metric_mode_ = mode; }

  /// Where the env raised an exception from reset() or step(): the episode's seed and the step
  /// (1-based; 0 for reset), so a failure can be replayed.
  struct Failure {
    uint64_t episode_seed = 0;
    int64_t step = 0;
  };
  /// The env's last failure, if reset() or step() ever let an exception through.
  const std::optional<Failure>& failure() const { return failure_; }

 private:
  uint64_t episode_seed(int64_t episode) const;
  /// Columns of the saved action log: step_width_, at least 1 (a tensor cannot be 0 wide).
  int64_t log_width() const { return std::max<int64_t>(static_cast<int64_t>(step_width_), 1); }
  void finish_episode(IterationStats& stats);

  std::unique_ptr<PhantomEnv> env_;
  uint64_t seed_;
  int64_t episode_ = 0;  // episodes started
  Actions actions_;
  MetricLogger metrics_;
  std::vector<double> running_return_;  // per strategic position
  std::vector<std::size_t> action_size_;
  std::size_t step_width_ = 0;     // floats per recorded step: every agent's action + presence
  std::vector<float> action_log_;  // this episode's steps, step_width_ floats each, then room
  std::size_t logged_ = 0;         // floats of action_log_ in use
  Mode metric_mode_ = Mode::train;
  int64_t episode_steps_ = 0;  // steps since the last reset
  std::optional<Failure> failure_;
};

}  // namespace phantom
