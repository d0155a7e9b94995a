// Initialisers, Linear and Mlp.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/error.hpp"
#include "nn/init.hpp"
#include "nn/layers.hpp"
#include "nn/ops.hpp"
#include "nn/optim.hpp"
#include "nn/tape.hpp"

namespace {

// W^T W (tall) or W W^T (wide) must be gain^2 * I.
void expect_orthogonal(const nn::Tensor& w, float gain) {
  int64_t rows = w.dim(0), cols = w.dim(1);
  bool tall = rows >= cols;
  int64_t k = tall ? cols : rows, n = tall ? rows : cols;
  const float* d = w.data();
  for (int64_t a = 0; a < k; ++a) {
    for (int64_t b = 0; b < k; ++b) {
      double dot = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        double x = tall ? d[i * cols + a] : d[a * cols + i];
        double y = tall ? d[i * cols + b] : d[b * cols + i];
        dot += x * y;
      }
      EXPECT_NEAR(dot, a == b ? gain * gain : 0.0, 1e-5 * gain * gain) << a << "," << b;
    }
  }
}

TEST(LayersInit, OrthogonalTallWideAndSquare) {
  nn::Rng rng(7);
  for (auto shape : {nn::Shape{64, 64}, nn::Shape{100, 7}, nn::Shape{3, 50}}) {
    nn::Tensor w = nn::Tensor::zeros(shape);
    nn::orthogonal_(w, 1.41f, rng);
    expect_orthogonal(w, 1.41f);
  }
}

TEST(LayersInit, OrthogonalDependsOnRngOnly) {
  nn::Tensor a = nn::Tensor::zeros({8, 4}), b = nn::Tensor::zeros({8, 4});
  nn::Rng r1(3), r2(3), r3(4);
  nn::orthogonal_(a, 1.0f, r1);
  nn::orthogonal_(b, 1.0f, r2);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  nn::orthogonal_(b, 1.0f, r3);
  EXPECT_NE(a.to_vector(), b.to_vector());
}

TEST(LayersInit, XavierBoundsAndSpread) {
  nn::Rng rng(1);
  nn::Tensor w = nn::Tensor::zeros({200, 300});
  nn::xavier_uniform_(w, 2.0f, rng);
  float a = 2.0f * std::sqrt(6.0f / 500.0f);
  double sum_sq = 0.0;
  for (float v : w.to_vector()) {
    ASSERT_LE(std::fabs(v), a);
    sum_sq += double(v) * v;
  }
  // Variance of U(-a, a) is a^2 / 3.
  EXPECT_NEAR(sum_sq / w.numel(), a * a / 3.0, 0.02 * a * a / 3.0);
}

TEST(LayersInit, RejectsNonMatrix) {
  nn::Rng rng(1);
  nn::Tensor v = nn::Tensor::zeros({5});
  EXPECT_THROW(nn::orthogonal_(v, 1.0f, rng), phantom::ShapeError);
}

TEST(LayersLinear, ForwardIsXTimesWPlusB) {
  nn::Rng rng(2);
  nn::Linear layer(3, 2, rng);
  nn::Tensor bias = layer.bias();  // a handle sharing the layer's storage
  bias.data()[1] = 0.5f;
  nn::Tensor x = nn::Tensor::from_vector({1, 2, 3}, {1, 3});
  nn::Tensor y = layer.forward(x);
  const float* w = layer.weight().data();
  ASSERT_EQ(y.shape(), (nn::Shape{1, 2}));
  for (int c = 0; c < 2; ++c) {
    double expect = (c == 1 ? 0.5 : 0.0) + 1 * w[0 * 2 + c] + 2 * w[1 * 2 + c] + 3 * w[2 * 2 + c];
    EXPECT_NEAR(y.data()[c], expect, 1e-5);
  }
  EXPECT_EQ(layer.parameters().size(), 2u);
  EXPECT_EQ(nn::Linear(3, 2, rng, nn::Init::xavier(), false).parameters().size(), 1u);
}

TEST(LayersMlp, ShapesParametersAndErrors) {
  nn::Rng rng(3);
  nn::Mlp mlp({{4, 64, 64, 3}, nn::Activation::tanh}, rng);
  EXPECT_EQ(mlp.layers().size(), 3u);
  EXPECT_EQ(nn::count_parameters(mlp.parameters()), 4 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3);
  nn::Tensor y = mlp.forward(nn::Tensor::zeros({5, 4}));
  EXPECT_EQ(y.shape(), (nn::Shape{5, 3}));
  EXPECT_THROW(nn::Mlp({{4}, nn::Activation::tanh}, rng), phantom::ConfigError);
  EXPECT_THROW(nn::parse_activation("gelu"), phantom::ConfigError);
  EXPECT_EQ(nn::parse_activation("relu"), nn::Activation::relu);
}

// End to end: an MLP fits y = sin(x) on a few points (loss falls by 20x).
TEST(LayersMlp, LearnsASmoothFunction) {
  nn::Rng rng(11);
  nn::Mlp mlp({{1, 32, 32, 1}, nn::Activation::tanh}, rng);
  nn::AdamOptions options;
  options.lr = 1e-2f;
  nn::Adam adam(mlp.parameters(), options);
  std::vector<float> xs, ys;
  for (int i = 0; i < 32; ++i) {
    float x = -3.0f + 6.0f * i / 31.0f;
    xs.push_back(x);
    ys.push_back(std::sin(x));
  }
  nn::Tensor x = nn::Tensor::from_vector(xs, {32, 1}), y = nn::Tensor::from_vector(ys, {32, 1});
  nn::Tape tape;
  float first = 0.0f, last = 0.0f;
  for (int step = 0; step < 300; ++step) {
    nn::TapeScope scope(tape);
    nn::Tensor loss = nn::mean(nn::square(mlp.forward(x) - y));
    adam.zero_grad();
    loss.backward();
    adam.step();
    if (step == 0) first = loss.item();
    last = loss.item();
  }
  EXPECT_LT(last, first / 20.0f) << "first " << first << " last " << last;
}

// The acting path gives the same bits as the autograd forward, for tanh and relu and any batch.
TEST(LayersMlp, InferMatchesForwardBitForBit) {
  for (nn::Activation act : {nn::Activation::tanh, nn::Activation::relu}) {
    nn::Rng rng(5);
    nn::Mlp mlp({{6, 33, 17, 5}, act}, rng);
    for (int64_t rows : {1, 7, 64}) {
      std::vector<float> xs(static_cast<std::size_t>(rows * 6));
      for (float& v : xs) v = rng.normal();
      nn::Tensor want = mlp.forward(nn::Tensor::from_vector(xs, {rows, 6}));
      std::vector<float> got(static_cast<std::size_t>(rows * 5), -1.0f), workspace;
      mlp.infer(xs.data(), rows, got.data(), workspace);
      EXPECT_EQ(got, want.to_vector()) << rows << " rows";
    }
  }
}

}  // namespace
