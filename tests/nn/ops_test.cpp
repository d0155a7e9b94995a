// Forward values of every op family against hand-computed expectations, and the errors ops throw.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "nn/ops.hpp"
#include "nn/tape.hpp"
#include "nn/tensor.hpp"

namespace {

using nn::Shape;
using nn::Tensor;

Tensor T(const std::vector<float>& v, const Shape& s) {
  return Tensor::from_vector(v, s);
}

// Shape equal to `shape` and every value within `tol` of `expected` (relative for large values).
::testing::AssertionResult values_are(const Tensor& t, const Shape& shape,
                                      const std::vector<float>& expected, float tol = 1e-6f) {
  if (t.shape() != shape) {
    return ::testing::AssertionFailure()
           << "shape " << t.shape().to_string() << ", expected " << shape.to_string();
  }
  std::vector<float> v = t.to_vector();
  if (v.size() != expected.size()) {
    return ::testing::AssertionFailure() << v.size() << " values, expected " << expected.size();
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    float e = expected[i];
    bool ok = std::isinf(e) ? v[i] == e : std::fabs(v[i] - e) <= tol * std::max(1.0f, std::fabs(e));
    if (!ok) {
      return ::testing::AssertionFailure() << "element " << i << " is " << v[i] << ", expected "
                                           << e << " (|diff| " << std::fabs(v[i] - e) << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// `f` throws exactly an E (not another phantom::Error) whose message contains every part.
template <class E>
::testing::AssertionResult throws(const std::function<void()>& f,
                                  std::initializer_list<std::string> parts) {
  try {
    f();
  } catch (const E& e) {
    std::string what = e.what();
    for (const std::string& p : parts) {
      if (what.find(p) == std::string::npos) {
        return ::testing::AssertionFailure() << "message \"" << what << "\" lacks \"" << p << "\"";
      }
    }
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw another exception type: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

const float kE = 2.718281828f;

// ---------------------------------------------------------------------------------------------
// Elementwise
// ---------------------------------------------------------------------------------------------

TEST(OpsElementwise, BinarySameShape) {
  Tensor a = T({1, 2, 3, 4, 5, 6}, {2, 3}), b = T({6, 5, 4, 3, 2, 1}, {2, 3});
  EXPECT_TRUE(values_are(nn::add(a, b), {2, 3}, {7, 7, 7, 7, 7, 7}));
  EXPECT_TRUE(values_are(nn::sub(a, b), {2, 3}, {-5, -3, -1, 1, 3, 5}));
  EXPECT_TRUE(values_are(nn::mul(a, b), {2, 3}, {6, 10, 12, 12, 10, 6}));
  EXPECT_TRUE(values_are(nn::div(a, b), {2, 3}, {1.0f / 6, 0.4f, 0.75f, 4.0f / 3, 2.5f, 6}));
  EXPECT_TRUE(values_are(nn::minimum(a, b), {2, 3}, {1, 2, 3, 3, 2, 1}));
  EXPECT_TRUE(values_are(nn::maximum(a, b), {2, 3}, {6, 5, 4, 4, 5, 6}));
}

// The broadcast operand repeats over the other's rows / elements, on either side; the result
// has the larger shape.
TEST(OpsElementwise, BinaryBroadcasting) {
  Tensor a = T({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor row = T({10, 20, 30}, {3}), row2 = T({10, 20, 30}, {1, 3});
  Tensor s = Tensor::scalar(2.0f), one = T({6}, {1, 1});
  EXPECT_TRUE(values_are(nn::add(a, row), {2, 3}, {11, 22, 33, 14, 25, 36}));
  EXPECT_TRUE(values_are(nn::sub(row, a), {2, 3}, {9, 18, 27, 6, 15, 24}));
  EXPECT_TRUE(values_are(nn::sub(a, row2), {2, 3}, {-9, -18, -27, -6, -15, -24}));
  EXPECT_TRUE(values_are(nn::div(row2, a), {2, 3}, {10, 10, 10, 2.5f, 4, 5}));
  EXPECT_TRUE(values_are(nn::div(a, s), {2, 3}, {0.5f, 1, 1.5f, 2, 2.5f, 3}));
  EXPECT_TRUE(values_are(nn::div(one, a), {2, 3}, {6, 3, 2, 1.5f, 1.2f, 1}));
  EXPECT_TRUE(values_are(nn::mul(s, a), {2, 3}, {2, 4, 6, 8, 10, 12}));
  EXPECT_TRUE(
      values_are(nn::maximum(a, Tensor::scalar(3.5f)), {2, 3}, {3.5f, 3.5f, 3.5f, 4, 5, 6}));
  EXPECT_TRUE(values_are(nn::minimum(row, a), {2, 3}, {1, 2, 3, 4, 5, 6}));
  Tensor a3 = T({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 2, 3});
  EXPECT_TRUE(values_are(nn::mul(a3, T({1, 0, -1}, {3})), {2, 2, 3},
                         {1, 0, -3, 4, 0, -6, 7, 0, -9, 10, 0, -12}));
}

TEST(OpsElementwise, WithConstant) {
  Tensor x = T({-3, -0.5f, 0, 0.8f, 5}, {5});
  EXPECT_TRUE(values_are(nn::add_scalar(x, 1.5f), {5}, {-1.5f, 1, 1.5f, 2.3f, 6.5f}));
  EXPECT_TRUE(values_are(nn::mul_scalar(x, -2), {5}, {6, 1, 0, -1.6f, -10}));
  EXPECT_TRUE(values_are(nn::clamp(x, -0.5f, 0.8f), {5}, {-0.5f, -0.5f, 0, 0.8f, 0.8f}));
  EXPECT_TRUE(values_are(nn::clamp(x, 1, 1), {5}, {1, 1, 1, 1, 1}));  // lo == hi is allowed
}

TEST(OpsElementwise, Unary) {
  EXPECT_TRUE(values_are(nn::neg(T({1, -2, 0}, {3})), {3}, {-1, 2, 0}));
  EXPECT_TRUE(values_are(nn::exp(T({0, 1, -1, 2}, {4})), {4}, {1, kE, 1 / kE, kE * kE}));
  EXPECT_TRUE(
      values_are(nn::log(T({1, kE, 0.5f, 100}, {4})), {4}, {0, 1, -0.693147181f, 4.605170186f}));
  EXPECT_TRUE(values_are(nn::tanh(T({0, 0.5f, -2, 20, -20}, {5})), {5},
                         {0, 0.462117157f, -0.964027580f, 1, -1}));
  EXPECT_TRUE(values_are(nn::relu(T({-1, 0, 2.5f}, {3})), {3}, {0, 0, 2.5f}));
  EXPECT_TRUE(values_are(nn::sigmoid(T({0, 2, -2, 100, -100}, {5})), {5},
                         {0.5f, 0.880797078f, 0.119202922f, 1, 0}));
  EXPECT_TRUE(values_are(nn::square(T({-3, 0.5f}, {2})), {2}, {9, 0.25f}));
  EXPECT_TRUE(values_are(nn::sqrt(T({4, 2, 0}, {3})), {3}, {2, 1.414213562f, 0}));
}

// softplus = log(1 + exp(x)) without overflow: x for large x, exp(x) for very negative x.
TEST(OpsElementwise, SoftplusIsStable) {
  Tensor y = nn::softplus(T({0, 1, -1, 100, -100, 20, -20}, {7}));
  EXPECT_TRUE(values_are(y, {7}, {0.693147181f, 1.313261687f, 0.313261687f, 100, 0, 20, 0}));
  std::vector<float> v = y.to_vector();
  EXPECT_NEAR(v[6], 2.0611536e-9f, 1e-14f);  // exp(-20): not flushed to zero
  EXPECT_GE(v[4], 0.0f);
}

// Ops on a rank-0 tensor and on empty tensors work and keep the shape.
TEST(OpsElementwise, ScalarAndEmptyShapes) {
  EXPECT_TRUE(values_are(nn::exp(Tensor::scalar(0.0f)), {}, {1}));
  EXPECT_TRUE(values_are(nn::add(Tensor::scalar(1.0f), Tensor::scalar(2.0f)), {}, {3}));
  EXPECT_TRUE(values_are(nn::tanh(Tensor::zeros({0, 3})), {0, 3}, {}));
  EXPECT_TRUE(values_are(nn::add(Tensor::zeros({0, 3}), T({1, 2, 3}, {3})), {0, 3}, {}));
}

// A zero-length row ([0]) broadcast against [R, 0], with gradients: nothing to add, no crash.
TEST(OpsElementwise, EmptyRowBroadcastWithGradient) {
  Tensor row = Tensor::zeros({0}).set_requires_grad();
  Tensor m = Tensor::zeros({3, 0}).set_requires_grad();
  Tensor s = Tensor::scalar(2.0f).set_requires_grad();
  nn::Tape tape;
  nn::TapeScope scope(tape);
  Tensor y = nn::mul(nn::add(m, row), nn::sub(row, m));
  EXPECT_EQ(y.shape(), (Shape{3, 0}));
  nn::add(nn::sum(y), s).backward();
  EXPECT_EQ(s.grad_tensor().item(), 1.0f);
}

// ---------------------------------------------------------------------------------------------
// matmul / linear
// ---------------------------------------------------------------------------------------------

TEST(OpsMatmul, AllTransposeCombinations) {
  Tensor a = T({1, 2, 3, 4, 5, 6}, {2, 3}), at = T({1, 4, 2, 5, 3, 6}, {3, 2});
  Tensor b = T({1, 2, 3, 4, 5, 6}, {3, 2}), bt = T({1, 3, 5, 2, 4, 6}, {2, 3});
  const std::vector<float> ab = {22, 28, 49, 64};
  EXPECT_TRUE(values_are(nn::matmul(a, b), {2, 2}, ab));
  EXPECT_TRUE(values_are(nn::matmul(at, b, true, false), {2, 2}, ab));
  EXPECT_TRUE(values_are(nn::matmul(a, bt, false, true), {2, 2}, ab));
  EXPECT_TRUE(values_are(nn::matmul(at, bt, true, true), {2, 2}, ab));
  // Non-square results: a^T a [3, 3] and a row times a column.
  EXPECT_TRUE(
      values_are(nn::matmul(a, a, true, false), {3, 3}, {17, 22, 27, 22, 29, 36, 27, 36, 45}));
  EXPECT_TRUE(values_are(nn::matmul(T({1, 2, 3}, {1, 3}), T({4, 5, 6}, {3, 1})), {1, 1}, {32}));
  EXPECT_TRUE(
      values_are(nn::matmul(T({1, 2}, {2, 1}), T({3, 4, 5}, {1, 3})), {2, 3}, {3, 4, 5, 6, 8, 10}));
}

TEST(OpsMatmul, Linear) {
  Tensor x = T({1, 2, 3, 4, 5, 6}, {2, 3}), w = T({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor b = T({0.5f, -1}, {2});
  EXPECT_TRUE(values_are(nn::linear(x, w, b), {2, 2}, {22.5f, 27, 49.5f, 63}));
  EXPECT_TRUE(values_are(nn::linear(x, w, Tensor()), {2, 2}, {22, 28, 49, 64}));
  EXPECT_TRUE(values_are(nn::linear(T({1, 2, 3}, {3}), w, b), {2}, {22.5f, 27}));
  EXPECT_TRUE(values_are(nn::linear(T({1, 2, 3, 4, 5, 6}, {1, 2, 3}), w, b), {1, 2, 2},
                         {22.5f, 27, 49.5f, 63}));
}

// in_features == 0: the product is empty and every output is its bias; backward must not crash.
TEST(OpsMatmul, LinearWithNoInputFeatures) {
  Tensor x = Tensor::zeros({2, 0}).set_requires_grad();
  Tensor w = Tensor::zeros({0, 3}).set_requires_grad();
  Tensor b = T({1, 2, 3}, {3}).set_requires_grad();
  nn::Tape tape;
  nn::TapeScope scope(tape);
  Tensor y = nn::linear(x, w, b);
  EXPECT_TRUE(values_are(y, {2, 3}, {1, 2, 3, 1, 2, 3}));
  nn::sum(y).backward();
  EXPECT_TRUE(values_are(b.grad_tensor(), {3}, {2, 2, 2}));
}

// ---------------------------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------------------------

TEST(OpsReduce, SumAndMean) {
  Tensor x = T({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(values_are(nn::sum(x), {}, {21}));
  EXPECT_TRUE(values_are(nn::mean(x), {}, {3.5f}));
  EXPECT_TRUE(values_are(nn::sum(x, 0), {3}, {5, 7, 9}));
  EXPECT_TRUE(values_are(nn::sum(x, 0, true), {1, 3}, {5, 7, 9}));
  EXPECT_TRUE(values_are(nn::sum(x, 1), {2}, {6, 15}));
  EXPECT_TRUE(values_are(nn::sum(x, -1, true), {2, 1}, {6, 15}));
  EXPECT_TRUE(values_are(nn::mean(x, -1), {2}, {2, 5}));
  EXPECT_TRUE(values_are(nn::mean(x, 0, true), {1, 3}, {2.5f, 3.5f, 4.5f}));
  Tensor y = T({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  EXPECT_TRUE(values_are(nn::sum(y, 0), {2, 2}, {6, 8, 10, 12}));
  EXPECT_TRUE(values_are(nn::sum(y, 1), {2, 2}, {4, 6, 12, 14}));
  EXPECT_TRUE(values_are(nn::sum(y, 2, true), {2, 2, 1}, {3, 7, 11, 15}));
  EXPECT_TRUE(values_are(nn::mean(y, 1, true), {2, 1, 2}, {2, 3, 6, 7}));
  Tensor z = T({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, {2, 2, 2, 2});
  EXPECT_TRUE(values_are(nn::sum(z, 2), {2, 2, 2}, {4, 6, 12, 14, 20, 22, 28, 30}));
  EXPECT_TRUE(values_are(nn::sum(z, 0), {2, 2, 2}, {10, 12, 14, 16, 18, 20, 22, 24}));
}

// A long sum stays accurate (the kernel's striped order, not one running float).
TEST(OpsReduce, LongSumIsAccurate) {
  Tensor x = Tensor::full({10000}, 0.1f);
  EXPECT_NEAR(nn::sum(x).item(), 1000.0f, 0.01f);
  EXPECT_NEAR(nn::mean(x).item(), 0.1f, 1e-6f);
}

TEST(OpsReduce, MaxAndArgmax) {
  Tensor x = T({1, 3, 3, 5, 2, 0}, {2, 3});
  EXPECT_TRUE(values_are(nn::max(x, 1), {2}, {3, 5}));
  EXPECT_TRUE(values_are(nn::max(x, 0, true), {1, 3}, {5, 3, 3}));
  EXPECT_TRUE(values_are(nn::max(T({-5, -2, -9}, {3}), 0), {}, {-2}));  // all negative
  EXPECT_TRUE(values_are(nn::argmax(x), {2}, {1, 0}));                  // first of a tie
  EXPECT_TRUE(values_are(nn::argmax(T({0, 1, 7, 2, 9, 9, 1, 0}, {2, 2, 2})), {2, 2}, {1, 0, 0, 0}));
  EXPECT_TRUE(values_are(nn::argmax(T({4, 8, 8}, {3})), {}, {1}));
}

// ---------------------------------------------------------------------------------------------
// Softmax
// ---------------------------------------------------------------------------------------------

TEST(OpsSoftmax, KnownValues) {
  const float ln2 = 0.693147181f, ln3 = 1.098612289f;
  // Rows give 1/6, 2/6, 3/6 and 1/4, 1/4, 1/2.
  Tensor x = T({0, ln2, ln3, -ln2, -ln2, 0}, {2, 3});
  EXPECT_TRUE(
      values_are(nn::softmax(x), {2, 3}, {1.0f / 6, 2.0f / 6, 3.0f / 6, 0.25f, 0.25f, 0.5f}));
  EXPECT_TRUE(values_are(nn::log_softmax(x), {2, 3},
                         {-1.791759469f, -ln3, -ln2, -2 * ln2, -2 * ln2, -ln2}));
  EXPECT_TRUE(values_are(nn::softmax(T({5, 5}, {2}), 0), {2}, {0.5f, 0.5f}));
}

// Huge and very negative logits: the max is subtracted first, so nothing overflows.
TEST(OpsSoftmax, LargeLogitsAreStable) {
  const float a = 0.211941558f, b = 0.576116885f;  // 1 / (2 + e), e / (2 + e)
  Tensor x = T({1000, 1000, 1000, -1000, -1000, -999}, {2, 3});
  EXPECT_TRUE(values_are(nn::softmax(x), {2, 3}, {1.0f / 3, 1.0f / 3, 1.0f / 3, a, a, b}));
  // Absolute error up to ulp(1000) ~ 6e-5 is allowed here: the result is x - (max + log(sum)).
  EXPECT_TRUE(values_are(
      nn::log_softmax(x), {2, 3},
      {-1.098612289f, -1.098612289f, -1.098612289f, std::log(a), std::log(a), std::log(b)}, 1e-4f));
  // A far-away logit: log_softmax stays finite where log(softmax) would be -inf.
  std::vector<float> lp = nn::log_softmax(T({0, 200}, {2})).to_vector();
  EXPECT_NEAR(lp[0], -200.0f, 1e-3f);
  EXPECT_NEAR(lp[1], 0.0f, 1e-6f);
}

// ---------------------------------------------------------------------------------------------
// Indexing
// ---------------------------------------------------------------------------------------------

TEST(OpsIndex, Gather) {
  Tensor x = T({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(values_are(nn::gather(x, T({2, 0}, {2})), {2}, {3, 4}));
  EXPECT_TRUE(values_are(nn::gather(T({1, 2, 3}, {3}), Tensor::scalar(1)), {}, {2}));
  Tensor y = T({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2});
  EXPECT_TRUE(values_are(nn::gather(y, T({1, 0, 0, 1}, {2, 2})), {2, 2}, {1, 2, 4, 7}));
}

TEST(OpsIndex, IndexSelect) {
  Tensor x = T({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_TRUE(values_are(nn::index_select(x, {2, 0, 2}), {3, 2}, {5, 6, 1, 2, 5, 6}));
  EXPECT_TRUE(values_are(nn::index_select(x, {}), {0, 2}, {}));
  EXPECT_TRUE(values_are(nn::index_select(T({7, 8, 9}, {3}), {1, 1}), {2}, {8, 8}));
}

// Selecting no rows of a tensor that has no rows, with gradients: no division by zero.
TEST(OpsIndex, IndexSelectOfEmptyTensorWithGradient) {
  Tensor x = Tensor::zeros({0, 3}).set_requires_grad();
  Tensor w = T({1, 2, 3}, {3}).set_requires_grad();
  nn::Tape tape;
  nn::TapeScope scope(tape);
  Tensor y = nn::index_select(nn::mul(x, w), {});
  EXPECT_EQ(y.shape(), (Shape{0, 3}));
  nn::sum(y).backward();
  EXPECT_TRUE(values_are(w.grad_tensor(), {3}, {0, 0, 0}));
}

// ---------------------------------------------------------------------------------------------
// Shape ops
// ---------------------------------------------------------------------------------------------

// reshape is a view: same values in the same order, and writes show through.
TEST(OpsShape, ReshapeIsAView) {
  Tensor x = T({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = nn::reshape(x, {3, 1, 2});
  EXPECT_TRUE(values_are(y, {3, 1, 2}, {1, 2, 3, 4, 5, 6}));
  y.data()[5] = 60.0f;
  EXPECT_EQ(x.to_vector()[5], 60.0f);
  EXPECT_TRUE(values_are(nn::reshape(Tensor::scalar(4), {1, 1, 1, 1}), {1, 1, 1, 1}, {4}));
}

TEST(OpsShape, Concat) {
  Tensor a = T({1, 2}, {1, 2}), b = T({3, 4, 5, 6}, {2, 2});
  EXPECT_TRUE(values_are(nn::concat({a, b}, 0), {3, 2}, {1, 2, 3, 4, 5, 6}));
  Tensor c = T({1, 2}, {2, 1});
  EXPECT_TRUE(values_are(nn::concat({c, b}, 1), {2, 3}, {1, 3, 4, 2, 5, 6}));
  EXPECT_TRUE(values_are(nn::concat({b, c, c}, -1), {2, 4}, {3, 4, 1, 1, 5, 6, 2, 2}));
  Tensor p = T({1, 2, 3, 4}, {2, 1, 2}), q = T({5, 6, 7, 8}, {2, 1, 2});
  EXPECT_TRUE(values_are(nn::concat({p, q}, 1), {2, 2, 2}, {1, 2, 5, 6, 3, 4, 7, 8}));
  EXPECT_TRUE(values_are(nn::concat({p, q}, 2), {2, 1, 4}, {1, 2, 5, 6, 3, 4, 7, 8}));
  EXPECT_TRUE(values_are(nn::concat({T({1, 2}, {2})}, 0), {2}, {1, 2}));  // a single part
}

TEST(OpsShape, Slice) {
  Tensor x = T({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(values_are(nn::slice(x, 1, 1, 2), {2, 2}, {2, 3, 5, 6}));
  EXPECT_TRUE(values_are(nn::slice(x, 0, 1, 1), {1, 3}, {4, 5, 6}));
  EXPECT_TRUE(values_are(nn::slice(x, -1, 2, 1), {2, 1}, {3, 6}));
  EXPECT_TRUE(values_are(nn::slice(x, 1, 3, 0), {2, 0}, {}));  // empty at the end is allowed
  Tensor y = T({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2});
  EXPECT_TRUE(values_are(nn::slice(y, 1, 1, 1), {2, 1, 2}, {2, 3, 6, 7}));
}

// Without a TapeScope results are owned; with one they live in the tape's arena.
TEST(OpsMemory, OwnedWithoutTapeArenaWithTape) {
  Tensor x = T({1, 2}, {2});
  Tensor owned = nn::exp(x);
  EXPECT_EQ(owned.tape(), nullptr);
  nn::Tape tape;
  nn::TapeScope scope(tape);
  Tensor arena = nn::exp(x);
  EXPECT_EQ(arena.tape(), &tape);
  EXPECT_EQ(arena.to_vector(), owned.to_vector());
}

// ---------------------------------------------------------------------------------------------
// Errors: ShapeError / ValueError naming the op and the shapes
// ---------------------------------------------------------------------------------------------

using phantom::ShapeError;
using phantom::ValueError;

TEST(OpsErrors, BroadcastMismatch) {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({2, 4});
  EXPECT_TRUE(throws<ShapeError>([&] { nn::add(a, b); }, {"add", "[2, 3]", "[2, 4]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::sub(b, a); }, {"sub", "[2, 4]", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::mul(a, Tensor::zeros({3, 1}));
      },
      {"mul", "[2, 3]", "[3, 1]"}));
  // A row of the wrong length, and a [2, 3] that is not a row of [3, 3].
  EXPECT_TRUE(throws<ShapeError>([&] { nn::div(a, Tensor::zeros({2})); }, {"div", "[2]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::minimum(Tensor::zeros({3, 3}), a);
      },
      {"minimum", "[3, 3]", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::maximum(a, Tensor::zeros({1, 1, 3}));
      },
      {"maximum", "[1, 1, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { (void)(a + b); }, {"add"}));
}

TEST(OpsErrors, Matmul) {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 5});
  EXPECT_TRUE(
      throws<ShapeError>([&] { nn::matmul(a, b); }, {"matmul", "inner", "[2, 3]", "[4, 5]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::matmul(a, a); }, {"matmul", "[2, 3]"}));
  // With trans_a, op(a) is [3, 2] and its inner dim 2 does not match b's 4.
  EXPECT_TRUE(throws<ShapeError>([&] { nn::matmul(a, b, true, false); }, {"matmul", "[3, 2]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::matmul(Tensor::zeros({3}), Tensor::zeros({3, 2}));
      },
      {"matmul", "2-D", "[3]", "[3, 2]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::matmul(Tensor::zeros({1, 2, 3}), Tensor::zeros({3, 2}));
      },
      {"matmul", "2-D", "[1, 2, 3]"}));
}

TEST(OpsErrors, Linear) {
  Tensor x = Tensor::zeros({2, 3}), w = Tensor::zeros({4, 5});
  EXPECT_TRUE(
      throws<ShapeError>([&] { nn::linear(x, w, Tensor()); }, {"linear", "[2, 3]", "[4, 5]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::linear(x, Tensor::zeros({3}), Tensor()); },
                                 {"linear", "w [3]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::linear(Tensor::scalar(1), Tensor::zeros({1, 2}), Tensor());
      },
      {"linear", "x []"}));
  Tensor w32 = Tensor::zeros({3, 2});
  EXPECT_TRUE(throws<ShapeError>([&] { nn::linear(x, w32, Tensor::zeros({3})); },
                                 {"linear", "bias", "[3]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::linear(x, w32, Tensor::zeros({1, 2}));
      },
      {"linear", "bias", "[1, 2]"}));
}

TEST(OpsErrors, DimOutOfRange) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_TRUE(throws<ShapeError>([&] { nn::sum(x, 2); }, {"sum", "dimension 2", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::mean(x, -3); }, {"mean", "dimension -3", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::max(x, 5); }, {"max", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::softmax(x, 2); }, {"softmax", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::concat({x, x}, 2); }, {"concat", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::slice(x, -3, 0, 1); }, {"slice", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::sum(Tensor::scalar(1), 0); }, {"sum", "[]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::max(Tensor::zeros({2, 0}), 1); }, {"max", "empty"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::argmax(Tensor::scalar(1)); }, {"argmax", "[]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::argmax(Tensor::zeros({2, 0})); }, {"argmax", "[2, 0]"}));
}

TEST(OpsErrors, ReshapeConcatSlice) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_TRUE(throws<ShapeError>([&] { nn::reshape(x, {4, 2}); }, {"reshape", "[2, 3]", "[4, 2]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::concat({x, Tensor::zeros({2, 4})}, 0);
      },
      {"concat", "[2, 3]", "[2, 4]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::concat({x, Tensor::zeros({2, 3, 1})}, 1);
      },
      {"concat", "[2, 3]", "[2, 3, 1]"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::concat({}, 0); }, {"concat"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::slice(x, 1, 2, 2); }, {"slice", "[2, 4)", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::slice(x, 0, -1, 1); }, {"slice", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::slice(x, 0, 0, -1); }, {"slice", "[2, 3]"}));
}

TEST(OpsErrors, SoftmaxOnlyLastDim) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_TRUE(throws<ShapeError>([&] { nn::softmax(x, 0); }, {"softmax", "last", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::log_softmax(x, -2); }, {"log_softmax", "[2, 3]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::softmax(Tensor::zeros({2, 0}));
      },
      {"softmax", "empty"}));
}

TEST(OpsErrors, GatherAndIndexSelect) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_TRUE(throws<ShapeError>([&] { nn::gather(x, Tensor::zeros({3})); },
                                 {"gather", "[2, 3]", "[2]", "[3]"}));
  EXPECT_TRUE(throws<ShapeError>(
      [&] {
        nn::gather(x, Tensor::zeros({2, 1}));
      },
      {"gather", "[2, 1]"}));
  EXPECT_TRUE(throws<ValueError>(
      [&] {
        nn::gather(x, T({0, 1.5f}, {2}));
      },
      {"gather", "index[1]", "1.5", "[0, 3)"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::gather(x, T({3, 0}, {2})); }, {"gather", "index[0]"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::gather(x, T({0, -1}, {2})); }, {"gather", "index[1]"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::gather(x, T({0, NAN}, {2})); }, {"gather", "index[1]"}));
  EXPECT_TRUE(throws<ValueError>(
      [&] {
        nn::index_select(x, {0, 2});
      },
      {"index_select", "rows[1]", "2", "[0, 2)"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::index_select(x, {-1}); }, {"index_select", "-1"}));
  EXPECT_TRUE(throws<ShapeError>([&] { nn::index_select(Tensor::scalar(1), {0}); },
                                 {"index_select", "[]"}));
}

TEST(OpsErrors, ClampBounds) {
  Tensor x = Tensor::zeros({2});
  EXPECT_TRUE(throws<ValueError>([&] { nn::clamp(x, 1.0f, -1.0f); }, {"clamp", "1.0", "-1.0"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::clamp(x, NAN, 1.0f); }, {"clamp"}));
}

// An undefined (default-constructed) argument is named in the error.
TEST(OpsErrors, UndefinedArgument) {
  Tensor x = Tensor::zeros({2});
  EXPECT_TRUE(throws<ValueError>([&] { nn::add(x, Tensor()); }, {"add", "'b'", "undefined"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::exp(Tensor()); }, {"exp", "undefined"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::matmul(Tensor(), x); }, {"matmul", "'a'"}));
  EXPECT_TRUE(throws<ValueError>([&] { nn::concat({x, Tensor()}, 0); }, {"concat", "undefined"}));
}

}  // namespace
