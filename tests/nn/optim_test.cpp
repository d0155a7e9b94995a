// Optimisers against hand-computed updates; clipping; schedule.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "nn/optim.hpp"
#include "nn/serialize.hpp"

namespace {

nn::Tensor param(std::vector<float> values) {
  auto n = static_cast<int64_t>(values.size());
  return nn::Tensor::from_vector(values, {n}).set_requires_grad();
}

void set_grad(nn::Tensor& p, std::vector<float> g) {
  for (std::size_t i = 0; i < g.size(); ++i) p.grad()[i] = g[i];
}

TEST(OptimSgd, PlainAndMomentum) {
  nn::Tensor p = param({1.0f, -2.0f});
  nn::Sgd sgd({p}, 0.1f);
  set_grad(p, {0.5f, -1.0f});
  sgd.step();
  EXPECT_FLOAT_EQ(p.data()[0], 1.0f - 0.05f);
  EXPECT_FLOAT_EQ(p.data()[1], -2.0f + 0.1f);

  // Momentum 0.9: buf1 = g1, buf2 = 0.9 * g1 + g2.
  nn::Tensor q = param({0.0f});
  nn::Sgd mom({q}, 0.5f, 0.9f);
  set_grad(q, {1.0f});
  mom.step();
  EXPECT_FLOAT_EQ(q.data()[0], -0.5f);
  set_grad(q, {2.0f});
  mom.step();
  EXPECT_FLOAT_EQ(q.data()[0], -0.5f - 0.5f * (0.9f + 2.0f));
}

// Two Adam steps computed by hand in double precision.
TEST(OptimAdam, MatchesHandComputedSteps) {
  nn::Tensor p = param({0.5f, -1.5f, 2.0f});
  nn::AdamOptions o{0.01f, 0.9f, 0.999f, 1e-8f};
  nn::Adam adam({p}, o);
  std::vector<std::vector<float>> grads = {{0.1f, -0.2f, 3.0f}, {-0.3f, 0.0f, 1.0f}};
  double pv[3] = {0.5, -1.5, 2.0}, m[3] = {0, 0, 0}, v[3] = {0, 0, 0};
  for (int t = 1; t <= 2; ++t) {
    set_grad(p, grads[t - 1]);
    adam.step();
    for (int i = 0; i < 3; ++i) {
      double g = grads[t - 1][i];
      m[i] = 0.9 * m[i] + 0.1 * g;
      v[i] = 0.999 * v[i] + 0.001 * g * g;
      double mhat = m[i] / (1 - std::pow(0.9, t)), vhat = v[i] / (1 - std::pow(0.999, t));
      pv[i] -= 0.01 * mhat / (std::sqrt(vhat) + 1e-8);
      EXPECT_NEAR(p.data()[i], pv[i], 1e-6) << "step " << t << " element " << i;
    }
  }
  EXPECT_EQ(adam.steps_taken(), 2);
}

// Save parameters + Adam state to a file after 2 steps, restore into fresh objects, take a third
// step: the result equals 3 uninterrupted steps bit for bit.
TEST(OptimAdam, ResumeFromCheckpointFileMatchesUninterrupted) {
  auto grad_at = [](int t) { return std::vector<float>{0.1f * t, -0.2f, 0.05f * t * t}; };
  nn::Tensor a = param({1.0f, 2.0f, -1.0f});
  nn::Adam full({a});
  for (int t = 0; t < 3; ++t) {
    set_grad(a, grad_at(t));
    full.step();
  }

  nn::Tensor b = param({1.0f, 2.0f, -1.0f});
  nn::Adam first({b});
  for (int t = 0; t < 2; ++t) {
    set_grad(b, grad_at(t));
    first.step();
  }
  nn::StateDict saved;
  nn::put_tensors(saved, "model", {b});
  first.save(saved, "adam");
  std::string path = ::testing::TempDir() + "/optim_resume.ckpt";
  nn::save_state_dict(saved, path);

  nn::StateDict loaded = nn::load_state_dict(path);
  std::vector<nn::Tensor> restored = {param({0, 0, 0})};
  nn::get_tensors(loaded, "model", restored);
  nn::Adam resumed(restored);
  resumed.load(loaded, "adam");
  EXPECT_EQ(resumed.steps_taken(), 2);
  set_grad(restored[0], grad_at(2));
  resumed.step();
  EXPECT_EQ(a.to_vector(), restored[0].to_vector());

  // A checkpoint of another model shape is refused.
  std::vector<nn::Tensor> wrong = {param({0, 0})};
  EXPECT_THROW(nn::get_tensors(loaded, "model", wrong), phantom::ShapeError);
  std::vector<nn::Tensor> two = {param({0, 0, 0}), param({0})};
  EXPECT_THROW(nn::get_tensors(loaded, "model", two), phantom::FormatError);
}

TEST(OptimSgd, MomentumStateRoundTrips) {
  nn::Tensor p = param({1.0f});
  nn::Sgd sgd({p}, 0.1f, 0.9f);
  set_grad(p, {1.0f});
  sgd.step();
  nn::StateDict d;
  sgd.save(d, "sgd");
  nn::Tensor q = param({1.0f});
  nn::Sgd other({q}, 0.5f, 0.9f);
  other.load(d, "sgd");
  EXPECT_FLOAT_EQ(other.lr(), 0.1f);
  EXPECT_EQ(other.momentum_buffers()[0].to_vector(), sgd.momentum_buffers()[0].to_vector());
}

TEST(OptimAdam, RejectsBadOptionsAndNonTrainable) {
  EXPECT_THROW(nn::Adam({param({1})}, {0.1f, 1.0f, 0.9f, 1e-8f}), phantom::ValueError);
  EXPECT_THROW(nn::Adam({nn::Tensor::zeros({2})}), phantom::ValueError);
}

TEST(OptimClip, ScalesToMaxNormAndReportsNorm) {
  nn::Tensor a = param({0, 0}), b = param({0});
  set_grad(a, {3.0f, 0.0f});
  set_grad(b, {4.0f});
  float norm = nn::clip_grad_norm({a, b}, 1.0f);
  EXPECT_FLOAT_EQ(norm, 5.0f);
  float scale = 1.0f / (5.0f + 1e-6f);
  EXPECT_FLOAT_EQ(a.grad()[0], 3.0f * scale);
  EXPECT_FLOAT_EQ(b.grad()[0], 4.0f * scale);
  EXPECT_NEAR(nn::grad_norm({a, b}), 1.0f, 1e-6f);
  // Below the limit nothing changes.
  EXPECT_FLOAT_EQ(nn::clip_grad_norm({a, b}, 10.0f), nn::grad_norm({a, b}));
  EXPECT_FLOAT_EQ(b.grad()[0], 4.0f * scale);
}

TEST(OptimSchedule, LinearInterpolatesAndHolds) {
  nn::LinearSchedule s(2.5e-4, 0.0, 100);
  EXPECT_DOUBLE_EQ(s.at(0), 2.5e-4);
  EXPECT_DOUBLE_EQ(s.at(50), 1.25e-4);
  EXPECT_DOUBLE_EQ(s.at(100), 0.0);
  EXPECT_DOUBLE_EQ(s.at(1000), 0.0);
  EXPECT_THROW(nn::LinearSchedule(1, 0, 0), phantom::ValueError);
}

}  // namespace

namespace {

// Reproducer: a checkpoint holding an Adam step count of 2^62 hung loading, because the bias
// correction powers were rebuilt by 2^62 multiplications. Counts beyond Adam::kMaxSteps (2^53)
// are a FormatError naming the file and the entry.
TEST(OptimAdam, AHugeStepCountInACheckpointIsAFormatError) {
  nn::Tensor p = param({1.0f, 2.0f});
  nn::Adam adam({p});
  nn::StateDict saved;
  adam.save(saved, "adam");
  const std::string path = ::testing::TempDir() + "/optim_huge_step.ckpt";
  for (const int64_t step : {int64_t{1} << 62, int64_t{-1}, nn::Adam::kMaxSteps + 1}) {
    saved.set_int("adam.step", step);
    nn::save_state_dict(saved, path);  // the project's writer: a valid checksum
    const nn::StateDict loaded = nn::load_state_dict(path);
    try {
      adam.load(loaded, "adam");
      FAIL() << "step " << step << " accepted";
    } catch (const phantom::FormatError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(path), std::string::npos) << m;
      EXPECT_NE(m.find("entry 'adam.step' = " + std::to_string(step) +
                       " is not a count from 0 to 9007199254740992"),
                std::string::npos)
          << m;
    }
  }
  EXPECT_THROW(adam.set_steps_taken(-1), phantom::ValueError);
}

// The powers stop changing once they reach zero or a subnormal that rounds back to itself, so
// restoring any step count costs at most that many multiplications (about 740,000 for the
// default beta2 = 0.999), and gives exactly the powers that many real steps give.
TEST(OptimAdam, RestoringALargeStepCountIsFastAndExact) {
  // `steps` real steps with zero gradients (moments stay 0), then one with a gradient: the update
  // depends on the bias corrections, so equal parameters mean equal powers.
  auto after = [](int64_t steps, bool restore) {
    nn::Tensor p = param({1.0f, -2.0f, 0.5f});
    nn::Adam adam({p});
    if (restore) {
      adam.set_steps_taken(steps);
    } else {
      set_grad(p, {0.0f, 0.0f, 0.0f});
      for (int64_t t = 0; t < steps; ++t) adam.step();
    }
    set_grad(p, {0.3f, -0.1f, 0.7f});
    adam.step();
    return p.to_vector();
  };
  for (const int64_t t : {0, 1, 7, 1000, 1000000}) EXPECT_EQ(after(t, true), after(t, false)) << t;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<float> at_max = after(nn::Adam::kMaxSteps, true);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  EXPECT_EQ(at_max, after(1000000, true));  // both past the powers' fixed points
}

}  // namespace
