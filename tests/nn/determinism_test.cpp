// Bit-identical training whatever the thread count and SIMD path.
//
// Each configuration trains the same MLP from the same seed for 200 Adam steps (20 under a
// sanitizer, support/sanitizer.hpp); the weights' checksums must all be equal. This is the
// project's determinism contract (docs/DETERMINISM.md).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/tape.hpp"
#include "nn/thread_pool.hpp"
#include "support/sanitizer.hpp"
#include "workloads/mlp_step.hpp"

namespace {

namespace k = nn::kernels;

struct RunResult {
  uint64_t checksum;
  float last_loss;
};

RunResult train(std::vector<int64_t> sizes, int64_t batch, int steps) {
  workloads::MlpStep w(sizes, batch, 1234);
  float loss = 0.0f;
  for (int i = 0; i < steps; ++i) loss = w.step();
  return {w.checksum(), loss};
}

class DeterminismTest : public ::testing::Test {
 protected:
  void TearDown() override {
    k::set_active_isa(k::best_isa());
    nn::set_num_threads(0);
  }
};

void expect_identical_across_configs(std::vector<int64_t> sizes, int64_t batch, int steps) {
  k::set_active_isa(k::Isa::scalar);
  nn::set_num_threads(1);
  RunResult reference = train(sizes, batch, steps);
  for (k::Isa isa : {k::Isa::scalar, k::Isa::avx2, k::Isa::avx512}) {
    if (!k::cpu_supports(isa)) continue;
    k::set_active_isa(isa);
    for (int threads : {1, 2, 3}) {
      nn::set_num_threads(threads);
      RunResult r = train(sizes, batch, steps);
      EXPECT_EQ(r.checksum, reference.checksum)
          << "isa " << k::isa_name(isa) << ", " << threads << " threads: loss " << r.last_loss
          << " vs " << reference.last_loss;
    }
  }
}

TEST_F(DeterminismTest, MlpTrainingIsBitIdenticalAcrossThreadsAndSimdPaths) {
  expect_identical_across_configs({4, 64, 64, 3}, 256, test_support::sanitized(200, 20));
}

// Odd sizes exercise every kernel's vector tails.
TEST_F(DeterminismTest, OddSizesAreBitIdenticalToo) {
  expect_identical_across_configs({5, 37, 19, 4}, 67, test_support::sanitized(200, 20));
}

// The checksum is sensitive: a different seed or one step more changes it.
TEST_F(DeterminismTest, ChecksumDetectsDifferentTraining) {
  EXPECT_NE(train({4, 16, 3}, 8, 10).checksum, train({4, 16, 3}, 8, 11).checksum);
}

// Large elementwise ops are split over the pool: values and gradients must match the
// single-threaded run exactly (this also checks that the split covers every element once).
TEST_F(DeterminismTest, LargeElementwiseOpsMatchAcrossThreadCounts) {
  const int64_t rows = 700, cols = 301;  // 210,700 elements: split over 2 and 3 threads
  std::vector<float> xs(rows * cols), ws(rows * cols);
  nn::Rng rng(5);
  for (float& v : xs) v = rng.normal();
  for (float& v : ws) v = rng.normal();
  auto run = [&](int threads) {
    nn::set_num_threads(threads);
    nn::Tensor x = nn::Tensor::from_vector(xs, {rows, cols}).set_requires_grad();
    nn::Tensor w = nn::Tensor::from_vector(ws, {rows, cols});
    nn::Tape tape;
    nn::TapeScope scope(tape);
    nn::Tensor y = nn::tanh(x) * w + nn::sigmoid(x) - nn::relu(w * x);
    nn::sum(y).backward();
    std::vector<float> out = y.to_vector(), grad = x.grad_tensor().to_vector();
    out.insert(out.end(), grad.begin(), grad.end());
    return out;
  };
  std::vector<float> one = run(1);
  for (int threads : {2, 3}) {
    std::vector<float> many = run(threads);
    ASSERT_EQ(many.size(), one.size());
    EXPECT_EQ(0, std::memcmp(many.data(), one.data(), one.size() * sizeof(float)))
        << threads << " threads";
  }
}

}  // namespace
