#include "net_snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace peers {

NetSnapshot snapshot(workloads::MlpStep& step) {
  NetSnapshot s;
  s.sizes = step.mlp().config().sizes;
  s.batch = step.inputs().dim(0);
  for (const nn::Linear& layer : step.mlp().layers()) {
    s.weights.push_back(layer.weight().to_vector());
    s.biases.push_back(layer.bias().to_vector());
  }
  s.inputs = step.inputs().to_vector();
  for (float a : step.actions().to_vector()) s.actions.push_back(static_cast<int64_t>(a));
  s.returns = step.returns().to_vector();
  s.adam = workloads::MlpStep::options();
  return s;
}

bool losses_agree(const char* peer, const char* workload, const std::vector<float>& ours,
                  const std::vector<float>& theirs) {
  double worst = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const double diff = i < theirs.size() ? std::fabs(double(theirs[i]) - ours[i]) : HUGE_VAL;
    worst = std::max(worst, diff / std::max(std::fabs(double(ours[i])), 1e-30));
  }
  const double moved = std::fabs(double(ours.back()) - ours.front()) / std::fabs(ours.front());
  const bool ok =
      theirs.size() == ours.size() && worst <= kLossTolerance && moved > 10 * kLossTolerance;
  std::printf(
      "peer check %-8s %-20s loss %.6f -> %.6f over %zu steps (ours %.6f -> %.6f): "
      "largest relative difference %.2e (tolerance %.0e) %s\n",
      peer, workload, theirs.empty() ? 0.0 : theirs.front(), theirs.empty() ? 0.0 : theirs.back(),
      theirs.size(), double(ours.front()), double(ours.back()), worst, kLossTolerance,
      ok ? "ok" : "MISMATCH");
  return ok;
}

std::vector<float> our_losses(const std::vector<int64_t>& sizes, int64_t batch) {
  workloads::MlpStep step(sizes, batch, kSeed);
  std::vector<float> losses;
  for (int i = 0; i < kCheckSteps; ++i) losses.push_back(step.step());
  return losses;
}

}  // namespace peers
