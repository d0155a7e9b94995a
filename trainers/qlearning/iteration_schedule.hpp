// IterationSchedule: a schedule that follows training iterations instead of timesteps.
//
// Explorations ask their schedule for a value at a timestep (the env steps a policy has acted
// on), which suits settings counted in steps. Q-learning's epsilon is counted in iterations:
// it falls from QLearningOptions::epsilon at iteration 0 to epsilon_final at iteration N, and an
// iteration is a number of whole episodes, whose lengths vary, so no timestep marks where an
// iteration begins. An IterationSchedule bridges the two: it holds a schedule over iterations,
// the trainer tells it which iteration is running (set_iteration, before sampling), and value(t)
// ignores t and returns the inner schedule's value at that iteration.
//
//   auto epsilon = std::make_shared<phantom::IterationSchedule>(
//       std::make_shared<phantom::PiecewiseSchedule>(
//           std::vector<std::pair<int64_t, double>>{{0, 1.0}, {50, 0.05}}, 0.05));
//   EpsilonGreedyOptions o;
//   o.epsilon_schedule = epsilon;   // the exploration reads it at every action
//   epsilon->set_iteration(10);     // from now on every action explores with epsilon 0.81
//
// So unlike the other schedules its value changes without t changing: it is a pure function of
// the iteration it was last given. It holds no state a checkpoint needs, because the trainer
// sets the iteration at the start of every iteration (a resumed run included).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "nn/error.hpp"
#include "trainers/sampling/schedule.hpp"

namespace phantom {

/// A Schedule whose value is `per_iteration`'s value at the current iteration (0 until
/// set_iteration is called), whatever timestep it is asked about.
class IterationSchedule final : public Schedule {
 public:
  /// Throws ConfigError if `per_iteration` is null.
  explicit IterationSchedule(std::shared_ptr<const Schedule> per_iteration)
      : per_iteration_(std::move(per_iteration)) {
    if (!per_iteration_) throw ConfigError("IterationSchedule: the per-iteration schedule is null");
  }

  /// The iteration (0-based) whose value value() returns from now on.
  void set_iteration(int64_t iteration) { iteration_ = iteration; }
  int64_t iteration() const { return iteration_; }

  /// The value at the current iteration; the timestep is ignored.
  double value(int64_t) const override { return per_iteration_->value(iteration_); }
  /// The value at any iteration (for reports and tests).
  double value_at_iteration(int64_t iteration) const { return per_iteration_->value(iteration); }

 private:
  std::shared_ptr<const Schedule> per_iteration_;
  int64_t iteration_ = 0;
};

}  // namespace phantom
