// Allocation test of the distributions: once a tape's arena has grown to fit one rollout or update
// step, repeating that step (sample, log_prob, entropy, mode) performs no heap allocation.
//
// This file is its own test program (see tests/CMakeLists.txt) because it replaces the global
// operator new/delete to count allocations.
#include <gtest/gtest.h>

#include "nn/distributions.hpp"
#include "nn/ops.hpp"
#include "nn/rng.hpp"
#include "nn/tape.hpp"
#include "support/counting_allocator.hpp"

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
    used = alloc_counter::allocations_during([&] {
      if (grad) {
        step();
      } else {
        nn::NoGradGuard no_grad;
        step();
      }
    });
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
    long used = alloc_counter::allocations_during([&] {
      (void)multi.sample(rng);
      (void)multi.mode();
    });
    if (it == 2) {
      EXPECT_EQ(used, 0);
    }
  }
}

}  // namespace
