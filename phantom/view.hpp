// What every agent can see of the environment at the start of a step.
#pragma once

#include <cstdint>

namespace phantom {

struct EnvView {
  int64_t current_step = 0;
  /// current_step / num_steps (0 when the env has no step limit).
  double proportion_time_elapsed = 0.0;
};

}  // namespace phantom
