// A steady-state MLP training step performs no heap allocation.
//
// This file replaces the global operator new/delete with counting versions (hence its own test
// program, see tests/CMakeLists.txt) and counts allocations while training steps run.
#include <gtest/gtest.h>

#include <vector>

#include "support/counting_allocator.hpp"
#include "workloads/mlp_step.hpp"

namespace {

using alloc_counter::allocations_during;

TEST(AllocMlp, CounterSeesAllocations) {
  // The instrument works: a vector allocation is counted.
  long n = allocations_during([] {
    std::vector<int> v(100);
    (void)v;
  });
  EXPECT_GE(n, 1);
}

TEST(AllocMlp, SteadyStateTrainStepAllocatesNothing) {
  for (int64_t batch : {64, 512}) {
    workloads::MlpStep w({4, 64, 64, 3}, batch, 1);
    for (int i = 0; i < 3; ++i) w.step();  // warm-up: arena, scratch and packing buffers grow
    long n = allocations_during([&] {
      for (int i = 0; i < 20; ++i) w.step();
    });
    EXPECT_EQ(n, 0) << "batch " << batch;
  }
}

TEST(AllocMlp, SteadyStateInferenceAllocatesNothing) {
  workloads::MlpStep w({4, 64, 64, 3}, 64, 1);
  for (int i = 0; i < 3; ++i) {
    w.infer_one();
    w.infer_one_with_ops();
  }
  long n = allocations_during([&] {
    for (int i = 0; i < 100; ++i) {
      w.infer_one();
      w.infer_one_with_ops();
    }
  });
  EXPECT_EQ(n, 0);
}

}  // namespace
