// Rollouts as TensorBoard scalars: a grid of rollouts (Ranges x repeats) is easier to scan as
// curves than as a CSV, and TensorBoard overlays runs, so two policies' rollouts can be compared
// rollout by rollout.
//
// Each rollout becomes one step, its rollout id (grid point x repeats + repeat), so a rollout's
// numbers line up across tags:
//   param/<name>     the value of each Range axis at the rollout's grid point;
//   rewards/<agent>  each strategic agent's episode return (the sum of its rewards);
//   <metric name>    each metric's value reduced with its eval action (a metric without a value,
//                    or reduced with `none`, is left out).
// Tags are cleaned as the TensorBoardWriter cleans them.
#pragma once

#include <string>

#include "analysis/rollout.hpp"
#include "analysis/tensorboard_writer.hpp"

namespace phantom {

/// Writes rollouts into a new TensorBoard event file (see the top of this file). Use it as a
/// rollout sink, as the rollout CSV writers are. Not copyable; movable.
class RolloutTensorBoardWriter {
 public:
  /// Starts a new event file in `dir`; throws as TensorBoardWriter's constructor.
  explicit RolloutTensorBoardWriter(const std::string& dir);

  /// Writes the rollout's scalars at step = its rollout id; throws as
  /// TensorBoardWriter::add_scalar.
  void write(const Rollout& rollout);

  const std::string& path() const { return writer_.path(); }
  /// Rollouts written so far.
  std::size_t rollouts() const { return rollouts_; }

 private:
  TensorBoardWriter writer_;
  std::size_t rollouts_ = 0;
};

}  // namespace phantom
