// What the peers need to do the same work as workloads::MlpStep: its network's sizes, initial
// weights and training batch as plain arrays, the Adam settings, and the check that a peer's
// losses follow ours.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/optim.hpp"
#include "workloads/mlp_step.hpp"

namespace peers {

/// The compared networks (sizes = {in, hidden..., out}, the last output is the value): the
/// project's reference net (4 -> 64 -> 64 -> 2 logits + value) and a wider one.
inline std::vector<int64_t> train_step_sizes() {
  return {4, 64, 64, 3};
}
inline std::vector<int64_t> wide_step_sizes() {
  return {32, 256, 256, 8};
}
/// The seed of every compared MlpStep.
constexpr uint64_t kSeed = 42;

/// A copy of an MlpStep's starting point.
struct NetSnapshot {
  std::vector<int64_t> sizes;
  int64_t batch = 0;
  /// Layer i: weights [sizes[i], sizes[i + 1]] row-major (y = x W + b), biases [sizes[i + 1]].
  std::vector<std::vector<float>> weights, biases;
  std::vector<float> inputs;     ///< [batch, sizes.front()]
  std::vector<int64_t> actions;  ///< [batch], each in [0, num_logits())
  std::vector<float> returns;    ///< [batch]
  nn::AdamOptions adam;

  int64_t num_logits() const { return sizes.back() - 1; }
};

/// The snapshot of `step` as it is now (take it before the first step).
NetSnapshot snapshot(workloads::MlpStep& step);

/// Steps compared by the start-up check: the first loss is that of the shared initial weights,
/// each later one follows an Adam update, so the check covers the forward pass, the gradients
/// and the optimiser.
constexpr int kCheckSteps = 20;

/// The start-up check's tolerance on each loss, relative to ours. Summing in another order moves
/// the losses by about 2e-7 (relative) over kCheckSteps steps, Eigen and libtorch alike; 1e-4
/// leaves room for other SIMD widths while the losses move by over 10% in those steps (the check
/// also asks that ours moved by over 10x the tolerance, so a peer that skipped or botched its
/// update fails it).
constexpr double kLossTolerance = 1e-4;

/// Compares the peer's losses over kCheckSteps steps with ours from the same snapshot, prints
/// the largest relative difference, and returns whether it is within kLossTolerance.
bool losses_agree(const char* peer, const char* workload, const std::vector<float>& ours,
                  const std::vector<float>& theirs);

/// Our losses over kCheckSteps steps of a fresh MlpStep(sizes, batch, kSeed).
std::vector<float> our_losses(const std::vector<int64_t>& sizes, int64_t batch);

}  // namespace peers
