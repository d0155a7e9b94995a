// Allocation test of the distributions: once a tape's arena has grown to fit one rollout or update
// step, repeating that step (sample, log_prob, entropy, mode) performs no heap allocation.
//
// This file is its own test program (see tests/CMakeLists.txt) because it replaces the global
// operator new/delete to count allocations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "nn/distributions.hpp"
#include "nn/ops.hpp"
#include "nn/rng.hpp"
#include "nn/tape.hpp"

namespace {
std::atomic<long> g_allocations{0};

void* counted_alloc(std::size_t n, std::size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = nullptr;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(n);
  } else if (posix_memalign(&p, align, n) != 0) {
    p = nullptr;
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) {
  return counted_alloc(n, 0);
}
void* operator new[](std::size_t n) {
  return counted_alloc(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_alloc(n, static_cast<std::size_t>(a));
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

using nn::Shape;
using nn::Tensor;

// Runs `step` on a fresh recording of `tape` a few times and returns the allocations of the last
// run (the first ones grow the arena and the tape's node list).
template <class Step>
long allocations_in_steady_state(nn::Tape& tape, bool grad, Step step) {
  long used = -1;
  for (int it = 0; it < 4; ++it) {
    nn::TapeScope scope(tape);
    long before = g_allocations.load();
    if (grad) {
      step();
    } else {
      nn::NoGradGuard no_grad;
      step();
    }
    used = g_allocations.load() - before;
  }
  return used;
}

TEST(DistributionAlloc, SteadyStateStepsAllocateNothing) {
  const int64_t B = 64;
  Tensor logits = Tensor::full(Shape{B, 6}, 0.1f).set_requires_grad();
  Tensor mean = Tensor::full(Shape{B, 3}, 0.2f).set_requires_grad();
  Tensor log_std = Tensor::full(Shape{3}, -0.5f).set_requires_grad();
  nn::Rng rng(1);
  for (bool grad : {false, true}) {
    nn::Tape tape;
    long used = allocations_in_steady_state(tape, grad, [&] {
      nn::Categorical cat(logits);
      Tensor a = cat.sample(rng);
      Tensor loss = nn::sum(cat.log_prob(a)) + nn::sum(cat.entropy());
      (void)cat.mode();

      nn::DiagGaussian gauss(mean, log_std);
      Tensor x = gauss.sample(rng);
      loss = loss + nn::sum(gauss.log_prob(x)) + nn::sum(gauss.entropy());

      nn::Bernoulli bern(logits);
      Tensor bits = bern.sample(rng);
      loss = loss + nn::sum(bern.log_prob(bits)) + nn::sum(bern.entropy());
      (void)bern.mode();
      if (loss.requires_grad()) loss.backward();
    });
    EXPECT_EQ(used, 0) << (grad ? "with" : "without") << " gradients";
  }
}

TEST(DistributionAlloc, MultiCategoricalSamplingAllocatesNothing) {
  // Construction allocates two small vectors (documented); sample() and mode() do not.
  Tensor logits = Tensor::full(Shape{32, 7}, 0.3f);
  nn::Rng rng(2);
  nn::Tape tape;
  for (int it = 0; it < 3; ++it) {
    nn::TapeScope scope(tape);
    nn::MultiCategorical multi(logits, {3, 4});
    long before = g_allocations.load();
    (void)multi.sample(rng);
    (void)multi.mode();
    if (it == 2) {
      EXPECT_EQ(g_allocations.load() - before, 0);
    }
  }
}

}  // namespace
