// A steady-state MLP training step performs no heap allocation.
//
// This file replaces the global operator new/delete with counting versions (hence its own test
// program, see tests/CMakeLists.txt) and counts allocations while training steps run.
#include <gtest/gtest.h>

#include <vector>

#include "nn/thread_pool.hpp"
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
  // Batch 512 splits its matrix products across the default pool. Each thread grows its own
  // packing buffers the first time it runs a slice, and which thread runs a slice depends on
  // timing (the caller runs the slices of workers that are late), so with free workers a worker
  // could grow its buffers in the measured steps on a busy machine. Stalled workers make the
  // caller run every slice: the code of every slice and the pool's hand-off still run, and the
  // count no longer depends on the machine's load.
  nn::ThreadPool& pool = nn::default_pool();
  pool.stall_workers(true);
  for (int64_t batch : {64, 512}) {
    workloads::MlpStep w({4, 64, 64, 3}, batch, 1);
    for (int i = 0; i < 3; ++i) w.step();  // warm-up: arena, scratch and packing buffers grow
    long n = allocations_during([&] {
      for (int i = 0; i < 20; ++i) w.step();
    });
    EXPECT_EQ(n, 0) << "batch " << batch << ", " << pool.num_threads() << " threads";
  }
  pool.stall_workers(false);
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
