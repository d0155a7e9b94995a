// The cost model's fit and tree depth.
#include "cost_model.hpp"

#include <string>

#include "phantom/error.hpp"

namespace mpi_comm {

LinearCost fit_linear_cost(const std::vector<double>& bytes, const std::vector<double>& times_us) {
  if (bytes.size() != times_us.size() || bytes.size() < 2) {
    throw phantom::ValueError("fit_linear_cost: needs as many times as sizes, at least two");
  }
  // Weighted least squares with weights 1 / t^2: minimises the sum of squared relative errors
  // ((alpha + beta b - t) / t)^2. The normal equations of the two unknowns, solved directly.
  double sw = 0, sb = 0, sbb = 0, st = 0, sbt = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (!(times_us[i] > 0)) {
      throw phantom::ValueError("fit_linear_cost: time " + std::to_string(times_us[i]) + " us at " +
                                std::to_string(bytes[i]) + " bytes, expected > 0");
    }
    const double w = 1.0 / (times_us[i] * times_us[i]);
    sw += w;
    sb += w * bytes[i];
    sbb += w * bytes[i] * bytes[i];
    st += w * times_us[i];
    sbt += w * bytes[i] * times_us[i];
  }
  const double det = sw * sbb - sb * sb;
  if (!(det > 0)) throw phantom::ValueError("fit_linear_cost: needs two distinct sizes");
  LinearCost cost;
  cost.beta_us_per_byte = (sw * sbt - sb * st) / det;
  cost.alpha_us = (st - cost.beta_us_per_byte * sb) / sw;
  return cost;
}

int broadcast_steps(int ranks) {
  int steps = 0;
  for (int reached = 1; reached < ranks; reached *= 2) ++steps;
  return steps;
}

}  // namespace mpi_comm
