// A steady-state MLP training step performs no heap allocation.
//
// This file replaces the global operator new/delete with counting versions (hence its own test
// program, see tests/CMakeLists.txt) and counts allocations while training steps run.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>

#include "workloads/mlp_step.hpp"

namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};

void* counted_alloc(std::size_t size, std::size_t align) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (posix_memalign(&p, align, size) != 0) {
    p = nullptr;
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t size) {
  return counted_alloc(size, 0);
}
void* operator new[](std::size_t size) {
  return counted_alloc(size, 0);
}
void* operator new(std::size_t size, std::align_val_t a) {
  return counted_alloc(size, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return counted_alloc(size, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

long allocations_during(const std::function<void()>& work) {
  g_allocations = 0;
  g_counting = true;
  work();
  g_counting = false;
  return g_allocations.load();
}

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
