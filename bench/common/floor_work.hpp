// The least work a training workload's arithmetic allows, to time beside the workload itself
// (BM_MlpTrainStepFloor, BM_PpoIterationFloor). The ratio of the two says how much of a workload's
// time is overhead that a better implementation could remove, and how much no implementation
// can, since the arithmetic fixes the results' bits.
//
// The floor counts, for the tanh MLPs a workload runs:
//  * every multiply-add of its products at the FMA peak (fma_peak.hpp): forward of every layer;
//    when training, also the weight gradient of every layer and the input gradient of every layer
//    but the first;
//  * the tanh of every hidden output, and when training its derivative in the backward pass, by
//    kernels::tanh and kernels::tanh_backward over L1-sized chunks, as the fused layer applies
//    them while the product has just left them in L1;
//  * every Adam update of every parameter (kernels::adam_update over arrays of the parameters'
//    size: the update has to stream them).
// tanh and Adam are counted at the speed of our own kernels: their results are defined operation
// by operation (a divide per tanh, a square root and a divide per Adam element), so a faster
// implementation would have to schedule the same operations better, not do fewer. Everything
// else (the loss, transposed copies, the bias, the tape, the env) is left out.
#pragma once

#include <cstdint>
#include <vector>

namespace floor_work {

/// The floor of a workload, accumulated from its passes and updates, then run as one unit.
class FloorWork {
 public:
  /// zmm: the FMA part on 16-lane registers (AVX-512), else on 8-lane ones (AVX2). The caller
  /// checks fma_peak::cpu_has(zmm) first.
  explicit FloorWork(bool zmm) : zmm_(zmm) {}

  /// A forward pass over `rows` rows of the MLP with these layer sizes; with `backward`, the
  /// backward pass too.
  void add_pass(const std::vector<int64_t>& sizes, int64_t rows, bool backward);
  /// `updates` Adam updates of the parameters (weights and biases) of that MLP.
  void add_adam(const std::vector<int64_t>& sizes, int updates);

  /// Performs the whole floor once (allocates on the first call only).
  void run();

 private:
  bool zmm_;
  double multiply_adds_ = 0;
  int64_t tanh_outputs_ = 0;                           // forward tanh
  int64_t tanh_gradients_ = 0;                         // backward derivative
  std::vector<int64_t> adam_;                          // parameter count of each update
  std::vector<float> pre_, act_, grad_in_, grad_out_;  // one L1-sized chunk each
  std::vector<float> p_, g_, m_, v_;                   // the largest update's size
  float seed_ = 0.5f;
};

}  // namespace floor_work
