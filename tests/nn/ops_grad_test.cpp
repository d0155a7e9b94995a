// Finite-difference gradient checks for every op in nn/ops.hpp (see grad_check.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "nn/grad_check.hpp"
#include "nn/ops.hpp"
#include "nn/rng.hpp"
#include "nn/tape.hpp"
#include "nn/tensor.hpp"

namespace {

using nn::Shape;
using nn::Tensor;
using Leaves = std::vector<Tensor>;
namespace gc = nn::gradcheck;

Tensor uniform(const Shape& s, uint64_t seed, float lo = -2.0f, float hi = 2.0f) {
  return gc::uniform(s, seed, lo, hi);
}

// Values k * 0.1 + offset for random integers k in [-20, 20): two tensors made with offsets 0 and
// 0.05 never tie and are at least 0.05 apart (min/max checks).
Tensor grid(const Shape& s, uint64_t seed, float offset) {
  nn::Rng rng(seed);
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  for (float& x : v) x = 0.1f * static_cast<float>(rng.uniform_int(-20, 20)) + offset;
  return Tensor::from_vector(v, s);
}

// A random permutation of 0.1 * {0, 1, ..., n-1} - 1: all values distinct, 0.1 apart (max checks).
Tensor distinct(const Shape& s, uint64_t seed) {
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.1f * static_cast<float>(i) - 1.0f;
  nn::Rng rng(seed);
  rng.shuffle(v.begin(), v.end());
  return Tensor::from_vector(v, s);
}

// Values away from zero in [-2, -0.5] u [0.5, 2] (denominators).
Tensor nonzero(const Shape& s, uint64_t seed) {
  return gc::uniform_away(s, seed, -2.0f, 2.0f, {0.0f}, 0.5f);
}

// ---------------------------------------------------------------------------------------------
// Binary elementwise ops in every broadcasting form
// ---------------------------------------------------------------------------------------------

struct BinaryOp {
  const char* name;
  Tensor (*fn)(const Tensor&, const Tensor&);
};
const BinaryOp kBinaryOps[] = {{"add", nn::add},         {"sub", nn::sub},
                               {"mul", nn::mul},         {"div", nn::div},
                               {"minimum", nn::minimum}, {"maximum", nn::maximum}};

struct Form {
  const char* name;
  Shape a, b;
};
const Form kForms[] = {
    {"same_2d", {3, 4}, {3, 4}},
    {"same_1d", {5}, {5}},
    {"same_3d", {2, 3, 4}, {2, 3, 4}},
    {"scalar_b", {3, 4}, {}},
    {"scalar_a", {}, {3, 4}},
    {"one_elem_b", {3, 4}, {1, 1}},
    {"one_elem_a", {1}, {2, 3}},
    {"row_b", {3, 4}, {4}},
    {"row_a", {4}, {3, 4}},
    {"row2d_b", {3, 4}, {1, 4}},
    {"row2d_a", {1, 4}, {3, 4}},
    {"row_b_rank3", {2, 3, 4}, {4}},
    {"row2d_a_rank3", {1, 4}, {2, 3, 4}},
};

class AutogradBinary : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(AutogradBinary, MatchesFiniteDifferences) {
  const BinaryOp& op = kBinaryOps[std::get<0>(GetParam())];
  const Form& form = kForms[std::get<1>(GetParam())];
  std::string name = op.name;
  Tensor a, b;
  if (name == "minimum" || name == "maximum") {
    a = grid(form.a, 11, 0.0f);  // a and b never tie
    b = grid(form.b, 12, 0.05f);
    // A broadcast single element sits in the middle: it wins for some elements, loses for others.
    if (a.numel() == 1) a.fill(0.05f);
    if (b.numel() == 1) b.fill(0.05f);
  } else {
    a = uniform(form.a, 11);
    b = name == "div" ? nonzero(form.b, 12) : uniform(form.b, 12);
  }
  auto fn = op.fn;
  EXPECT_TRUE(gc::check([fn](const Leaves& x) { return fn(x[0], x[1]); }, {a, b}));
}

INSTANTIATE_TEST_SUITE_P(
    Autograd, AutogradBinary,
    ::testing::Combine(::testing::Range(0, static_cast<int>(std::size(kBinaryOps))),
                       ::testing::Range(0, static_cast<int>(std::size(kForms)))),
    [](const ::testing::TestParamInfo<std::tuple<int, int>>& info) {
      return std::string(kBinaryOps[std::get<0>(info.param)].name) + "_" +
             kForms[std::get<1>(info.param)].name;
    });

// Only one side requires a gradient: the other side's backward branch is skipped cleanly and the
// constant gets no gradient buffer.
TEST(AutogradBinaryOneSided, ConstantOperandGetsNoGradient) {
  Tensor c = uniform({3, 4}, 5), row = nonzero({4}, 6);
  EXPECT_TRUE(gc::check([c](const Leaves& x) { return nn::div(c, x[0]); }, {row}));
  EXPECT_FALSE(c.requires_grad());
  EXPECT_EQ(c.grad(), nullptr);
  Tensor m = uniform({3, 4}, 7), row2 = nonzero({1, 4}, 8);
  EXPECT_TRUE(gc::check([row2](const Leaves& x) { return nn::mul(x[0], row2); }, {m}));
  EXPECT_FALSE(row2.requires_grad());
}

// The same tensor on both sides: both contributions land in one gradient buffer.
TEST(AutogradBinaryOneSided, SameTensorOnBothSides) {
  Tensor x = nonzero({2, 3}, 7);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::mul(v[0], v[0]); }, {x}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::sub(v[0], nn::tanh(v[0])); }, {x}));
  gc::Options opt;
  opt.require_nonzero = false;  // x / x = 1: the gradient is exactly zero
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::div(v[0], v[0]); }, {x}, opt));
}

// Where a == b, minimum/maximum give each operand half of the gradient.
TEST(AutogradSelect, TieSplitsGradientHalfHalf) {
  for (bool is_max : {false, true}) {
    SCOPED_TRACE(is_max ? "maximum" : "minimum");
    Tensor a = Tensor::from_vector({1.0f, 2.0f, 3.0f}, {3}).set_requires_grad();
    Tensor b = Tensor::from_vector({1.0f, 5.0f, -3.0f}, {3}).set_requires_grad();
    nn::Tape tape;
    {
      nn::TapeScope scope(tape);
      Tensor w = Tensor::from_vector({2.0f, 3.0f, 4.0f}, {3});
      Tensor y = is_max ? nn::maximum(a, b) : nn::minimum(a, b);
      nn::sum(nn::mul(y, w)).backward();
    }
    // Element 0 ties (2 -> 1 + 1); element 1: b is larger; element 2: a is larger.
    std::vector<float> ga = a.grad_tensor().to_vector(), gb = b.grad_tensor().to_vector();
    if (is_max) {
      EXPECT_EQ(ga, (std::vector<float>{1.0f, 0.0f, 4.0f}));
      EXPECT_EQ(gb, (std::vector<float>{1.0f, 3.0f, 0.0f}));
    } else {
      EXPECT_EQ(ga, (std::vector<float>{1.0f, 3.0f, 0.0f}));
      EXPECT_EQ(gb, (std::vector<float>{1.0f, 0.0f, 4.0f}));
    }
  }
}

// A tie against a broadcast scalar: the halves summed over the broadcast go to the scalar.
TEST(AutogradSelect, TieWithBroadcastScalar) {
  Tensor x = Tensor::from_vector({0.5f, 0.5f, 2.0f}, {3}).set_requires_grad();
  Tensor s = Tensor::scalar(0.5f).set_requires_grad();
  nn::Tape tape;
  {
    nn::TapeScope scope(tape);
    nn::sum(nn::maximum(x, s)).backward();
  }
  EXPECT_EQ(x.grad_tensor().to_vector(), (std::vector<float>{0.5f, 0.5f, 1.0f}));
  EXPECT_EQ(s.grad_tensor().item(), 1.0f);
}

// ---------------------------------------------------------------------------------------------
// Unary ops and ops with a constant
// ---------------------------------------------------------------------------------------------

struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> fn;
  float lo, hi;              // input range
  std::vector<float> kinks;  // points where the derivative jumps (inputs keep away)
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"neg", [](const Tensor& x) { return nn::neg(x); }, -2.0f, 2.0f, {}},
      {"exp", [](const Tensor& x) { return nn::exp(x); }, -2.0f, 2.0f, {}},
      {"log", [](const Tensor& x) { return nn::log(x); }, 0.2f, 3.0f, {}},
      {"tanh", [](const Tensor& x) { return nn::tanh(x); }, -2.5f, 2.5f, {}},
      {"relu", [](const Tensor& x) { return nn::relu(x); }, -2.0f, 2.0f, {0.0f}},
      {"sigmoid", [](const Tensor& x) { return nn::sigmoid(x); }, -4.0f, 4.0f, {}},
      {"softplus", [](const Tensor& x) { return nn::softplus(x); }, -4.0f, 4.0f, {}},
      {"square", [](const Tensor& x) { return nn::square(x); }, -2.0f, 2.0f, {}},
      {"sqrt", [](const Tensor& x) { return nn::sqrt(x); }, 0.2f, 3.0f, {}},
      {"add_scalar", [](const Tensor& x) { return nn::add_scalar(x, 0.7f); }, -2.0f, 2.0f, {}},
      {"mul_scalar", [](const Tensor& x) { return nn::mul_scalar(x, -1.3f); }, -2.0f, 2.0f, {}},
      {"clamp",
       [](const Tensor& x) { return nn::clamp(x, -0.5f, 0.8f); },
       -1.0f,
       1.3f,
       {-0.5f, 0.8f}},
  };
}

class AutogradUnary : public ::testing::TestWithParam<int> {};

TEST_P(AutogradUnary, MatchesFiniteDifferences) {
  UnaryCase c = unary_cases()[static_cast<std::size_t>(GetParam())];
  uint64_t seed = 21;
  for (Shape shape : {Shape{7}, Shape{3, 5}, Shape{2, 2, 3}}) {
    SCOPED_TRACE(shape.to_string());
    Tensor x = gc::uniform_away(shape, seed++, c.lo, c.hi, c.kinks, 0.05f);
    auto fn = c.fn;
    EXPECT_TRUE(gc::check([fn](const Leaves& v) { return fn(v[0]); }, {x}));
  }
}

INSTANTIATE_TEST_SUITE_P(Autograd, AutogradUnary,
                         ::testing::Range(0, static_cast<int>(unary_cases().size())),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(
                               unary_cases()[static_cast<std::size_t>(info.param)].name);
                         });

// softplus stays exact for large |x|: slope 1 far right, 0 far left, no overflow to inf/NaN.
TEST(AutogradUnaryExtra, SoftplusLargeMagnitudes) {
  Tensor x = Tensor::from_vector({-100.0f, -30.0f, -20.0f, -0.5f, 0.5f, 20.0f, 30.0f, 100.0f}, {8});
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::softplus(v[0]); }, {x}));
  std::vector<float> g = x.grad_tensor().to_vector();
  for (float v : g) EXPECT_TRUE(std::isfinite(v));
}

// clamp: inputs on both sides of the interval get no gradient, inputs inside get all of it.
TEST(AutogradUnaryExtra, ClampGradientMask) {
  Tensor x = Tensor::from_vector({-3.0f, -0.5f, 0.0f, 0.8f, 5.0f}, {5}).set_requires_grad();
  nn::Tape tape;
  {
    nn::TapeScope scope(tape);
    nn::sum(nn::clamp(x, -0.5f, 0.8f)).backward();
  }
  // The bounds themselves count as inside ("passes where lo <= x <= hi").
  EXPECT_EQ(x.grad_tensor().to_vector(), (std::vector<float>{0.0f, 1.0f, 1.0f, 1.0f, 0.0f}));
}

// relu at exactly 0 passes no gradient.
TEST(AutogradUnaryExtra, ReluGradientAtZero) {
  Tensor x = Tensor::from_vector({-1.0f, 0.0f, 2.0f}, {3}).set_requires_grad();
  nn::Tape tape;
  {
    nn::TapeScope scope(tape);
    nn::sum(nn::relu(x)).backward();
  }
  EXPECT_EQ(x.grad_tensor().to_vector(), (std::vector<float>{0.0f, 0.0f, 1.0f}));
}

// ---------------------------------------------------------------------------------------------
// matmul and linear
// ---------------------------------------------------------------------------------------------

// op(a) is [3, 5] and op(b) is [5, 4]; stored transposed when the flag is set.
TEST(AutogradMatmul, AllTransposeCombinations) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      SCOPED_TRACE(std::string("trans_a=") + (ta ? "1" : "0") + " trans_b=" + (tb ? "1" : "0"));
      Tensor a = uniform(ta ? Shape{5, 3} : Shape{3, 5}, 31);
      Tensor b = uniform(tb ? Shape{4, 5} : Shape{5, 4}, 32);
      EXPECT_TRUE(
          gc::check([ta, tb](const Leaves& v) { return nn::matmul(v[0], v[1], ta, tb); }, {a, b}));
    }
  }
}

// x^T x and x x^T with one leaf on both sides of the product.
TEST(AutogradMatmul, SameTensorBothOperands) {
  Tensor x = uniform({4, 3}, 33);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::matmul(v[0], v[0], true, false); }, {x}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::matmul(v[0], v[0], false, true); }, {x}));
}

TEST(AutogradLinear, WithAndWithoutBias) {
  Tensor x = uniform({3, 5}, 41), w = uniform({5, 4}, 42), b = uniform({4}, 43);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::linear(v[0], v[1], v[2]); }, {x, w, b}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::linear(v[0], v[1], Tensor()); }, {x, w}));
}

// x may be a single vector [in] or carry extra leading dims [.., .., in].
TEST(AutogradLinear, Rank1AndRank3Inputs) {
  Tensor w = uniform({5, 4}, 44), b = uniform({4}, 45);
  Tensor x1 = uniform({5}, 46);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::linear(v[0], v[1], v[2]); }, {x1, w, b}));
  Tensor x3 = uniform({2, 3, 5}, 47);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::linear(v[0], v[1], v[2]); }, {x3, w, b}));
}

// ---------------------------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------------------------

const Shape kReduceShapes[] = {{5}, {3, 4}, {2, 3, 4}, {2, 3, 2, 3}};

TEST(AutogradReduce, SumAndMeanOfAll) {
  for (const Shape& s : kReduceShapes) {
    SCOPED_TRACE(s.to_string());
    Tensor x = uniform(s, 51);
    EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::sum(v[0]); }, {x}));
    EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::mean(v[0]); }, {x}));
  }
}

TEST(AutogradReduce, SumAndMeanAlongEachDim) {
  for (const Shape& s : kReduceShapes) {
    for (int dim = -1; dim < s.rank(); ++dim) {
      for (bool keepdim : {false, true}) {
        SCOPED_TRACE(s.to_string() + " dim " + std::to_string(dim) + (keepdim ? " keepdim" : ""));
        Tensor x = uniform(s, 52);
        EXPECT_TRUE(gc::check(
            [dim, keepdim](const Leaves& v) { return nn::sum(v[0], dim, keepdim); }, {x}));
        EXPECT_TRUE(gc::check(
            [dim, keepdim](const Leaves& v) { return nn::mean(v[0], dim, keepdim); }, {x}));
      }
    }
  }
}

TEST(AutogradReduce, MaxAlongEachDim) {
  for (const Shape& s : kReduceShapes) {
    for (int dim = -1; dim < s.rank(); ++dim) {
      for (bool keepdim : {false, true}) {
        SCOPED_TRACE(s.to_string() + " dim " + std::to_string(dim) + (keepdim ? " keepdim" : ""));
        Tensor x = distinct(s, 53);  // no ties within 0.1
        EXPECT_TRUE(gc::check(
            [dim, keepdim](const Leaves& v) { return nn::max(v[0], dim, keepdim); }, {x}));
      }
    }
  }
}

// On ties the whole gradient goes to the first maximal element.
TEST(AutogradReduce, MaxTieGoesToFirst) {
  Tensor x = Tensor::from_vector({1.0f, 3.0f, 3.0f, 2.0f, 2.0f, 0.0f}, {2, 3}).set_requires_grad();
  nn::Tape tape;
  {
    nn::TapeScope scope(tape);
    nn::sum(nn::max(x, 1)).backward();
  }
  EXPECT_EQ(x.grad_tensor().to_vector(), (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

// ---------------------------------------------------------------------------------------------
// Softmax
// ---------------------------------------------------------------------------------------------

TEST(AutogradSoftmax, SoftmaxAndLogSoftmax) {
  for (Shape s : {Shape{4}, Shape{3, 5}, Shape{2, 3, 4}}) {
    SCOPED_TRACE(s.to_string());
    Tensor x = uniform(s, 61, -3.0f, 3.0f);
    int last = s.rank() - 1;
    EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::softmax(v[0]); }, {x}));
    EXPECT_TRUE(gc::check([last](const Leaves& v) { return nn::softmax(v[0], last); }, {x}));
    EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::log_softmax(v[0]); }, {x}));
    EXPECT_TRUE(gc::check([last](const Leaves& v) { return nn::log_softmax(v[0], last); }, {x}));
  }
}

// Large logits: the max-subtraction keeps both forward and backward finite and exact.
TEST(AutogradSoftmax, LargeLogits) {
  Tensor x = Tensor::from_vector({80.0f, 81.0f, 79.5f, -90.0f, -89.0f, -91.0f}, {2, 3});
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::softmax(v[0]); }, {x}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::log_softmax(v[0]); }, {x}));
}

// ---------------------------------------------------------------------------------------------
// Indexing
// ---------------------------------------------------------------------------------------------

TEST(AutogradIndex, Gather) {
  Tensor x2 = uniform({4, 5}, 71);
  Tensor i2 = Tensor::from_vector({4.0f, 0.0f, 2.0f, 2.0f}, {4});
  EXPECT_TRUE(gc::check([i2](const Leaves& v) { return nn::gather(v[0], i2); }, {x2}));
  Tensor x3 = uniform({2, 3, 4}, 72);
  Tensor i3 = Tensor::from_vector({0, 3, 1, 1, 2, 3}, {2, 3});
  EXPECT_TRUE(gc::check([i3](const Leaves& v) { return nn::gather(v[0], i3); }, {x3}));
  Tensor x1 = uniform({6}, 73);
  Tensor i0 = Tensor::scalar(4.0f);
  EXPECT_TRUE(gc::check([i0](const Leaves& v) { return nn::gather(v[0], i0); }, {x1}));
}

// Repeated rows: each copy adds its gradient into the same source row.
TEST(AutogradIndex, IndexSelectWithRepeatedRows) {
  Tensor x = uniform({4, 3}, 74);
  std::vector<int64_t> rows = {2, 0, 2, 3, 2};
  EXPECT_TRUE(gc::check([rows](const Leaves& v) { return nn::index_select(v[0], rows); }, {x}));
  Tensor x1 = uniform({5}, 75);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::index_select(v[0], {1, 1, 4}); }, {x1}));
  Tensor x3 = uniform({3, 2, 2}, 76);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::index_select(v[0], {0, 2, 0}); }, {x3}));
}

// ---------------------------------------------------------------------------------------------
// Shape ops
// ---------------------------------------------------------------------------------------------

TEST(AutogradShape, Reshape) {
  Tensor x = uniform({2, 6}, 81);
  // A view of a leaf, of an op result, and between ranks 1..4.
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::reshape(v[0], {3, 4}); }, {x}));
  EXPECT_TRUE(gc::check(
      [](const Leaves& v) {
        return nn::exp(nn::reshape(nn::tanh(v[0]), {2, 3, 2}));
      },
      {x}));
  EXPECT_TRUE(gc::check(
      [](const Leaves& v) {
        return nn::softmax(nn::reshape(v[0], {1, 2, 2, 3}));
      },
      {x}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::square(nn::reshape(v[0], {12})); }, {x}));
}

TEST(AutogradShape, ConcatAlongDims) {
  Tensor a = uniform({2, 3, 4}, 82);
  // dim 0, two parts
  Tensor b0 = uniform({1, 3, 4}, 83);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::concat({v[0], v[1]}, 0); }, {a, b0}));
  // dim 1, three parts
  Tensor b1 = uniform({2, 1, 4}, 84), c1 = uniform({2, 2, 4}, 85);
  EXPECT_TRUE(gc::check(
      [](const Leaves& v) {
        return nn::concat({v[0], v[1], v[2]}, 1);
      },
      {a, b1, c1}));
  // last dim (negative spelling), three parts, one of them empty
  Tensor b2 = uniform({2, 3, 2}, 86), e2 = Tensor::zeros({2, 3, 0});
  EXPECT_TRUE(gc::check(
      [e2](const Leaves& v) {
        return nn::concat({v[0], e2, v[1]}, -1);
      },
      {a, b2}));
  // 2-D along the last dim, the result feeding a nonlinearity
  Tensor p = uniform({3, 2}, 87), q = uniform({3, 4}, 88);
  EXPECT_TRUE(gc::check(
      [](const Leaves& v) {
        return nn::tanh(nn::concat({v[0], v[1]}, 1));
      },
      {p, q}));
}

// A part that needs no gradient (a constant) sits between trainable parts.
TEST(AutogradShape, ConcatWithConstantPart) {
  Tensor a = uniform({2, 3}, 89), c = uniform({2, 2}, 90), b = uniform({2, 1}, 91);
  EXPECT_TRUE(gc::check([c](const Leaves& v) { return nn::concat({v[0], c, v[1]}, 1); }, {a, b}));
  EXPECT_FALSE(c.requires_grad());
}

TEST(AutogradShape, SliceAlongEachDim) {
  Tensor x = uniform({4, 5, 6}, 92);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::slice(v[0], 0, 1, 2); }, {x}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::slice(v[0], 1, 2, 3); }, {x}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::slice(v[0], 2, 1, 4); }, {x}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::slice(v[0], -1, 5, 1); }, {x}));
  Tensor y = uniform({7}, 93);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return nn::slice(v[0], 0, 3, 4); }, {y}));
  // Two overlapping slices of one tensor: their gradients add where they overlap.
  EXPECT_TRUE(gc::check(
      [](const Leaves& v) { return nn::mul(nn::slice(v[0], 0, 0, 5), nn::slice(v[0], 0, 2, 5)); },
      {y}));
}

// ---------------------------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------------------------

TEST(AutogradOperators, EveryOverload) {
  using nn::operator+;
  using nn::operator-;
  using nn::operator*;
  using nn::operator/;
  Tensor a = uniform({2, 3}, 101), b = nonzero({2, 3}, 102);
  EXPECT_TRUE(gc::check([](const Leaves& v) { return v[0] + v[1]; }, {a, b}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return v[0] - v[1]; }, {a, b}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return v[0] * v[1]; }, {a, b}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return v[0] / v[1]; }, {a, b}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return -v[0]; }, {a}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return v[0] + 2.5f; }, {a}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return 2.5f + v[0]; }, {a}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return v[0] - 2.5f; }, {a}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return 2.5f - v[0]; }, {a}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return v[0] * 3.0f; }, {a}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return -3.0f * v[0]; }, {a}));
  EXPECT_TRUE(gc::check([](const Leaves& v) { return v[0] / 4.0f; }, {a}));
  // All of them in one expression.
  EXPECT_TRUE(gc::check(
      [](const Leaves& v) { return (2.0f - v[0] * v[1]) / (v[1] * 0.5f) + -(v[0] - 1.0f) / 3.0f; },
      {a, b}));
}

// ---------------------------------------------------------------------------------------------
// Composed graphs
// ---------------------------------------------------------------------------------------------

// An intermediate result consumed by several ops: its gradient must be the sum over consumers
// before it flows further back (the tape runs nodes in reverse order of recording).
TEST(AutogradGraph, IntermediateFeedsSeveralOps) {
  Tensor x = uniform({3, 4}, 111, -1.0f, 1.0f);
  Tensor w = uniform({4, 5}, 112, -1.0f, 1.0f);
  Tensor b = uniform({5}, 113, -0.5f, 0.5f);
  auto f = [](const Leaves& v) {
    Tensor h = nn::tanh(nn::linear(v[0], v[1], v[2]));  // used five times below
    Tensor out = nn::mul(h, nn::sigmoid(h));
    out = nn::add(out, nn::exp(h));
    out = nn::sub(out, nn::log_softmax(h));
    out = nn::add(out, nn::mean(h));                                // scalar broadcast
    out = nn::add(out, nn::sum(h, 0));                              // row broadcast
    return nn::concat({out, nn::matmul(h, v[1], false, true)}, 1);  // w reused as well
  };
  EXPECT_TRUE(gc::check(f, {x, w, b}));
}

// A long chain (100 nodes): gradients survive many backward steps in the right order.
TEST(AutogradGraph, DeepChain) {
  Tensor x = uniform({2, 3}, 121, -1.0f, 1.0f);
  Tensor s = uniform({3}, 122, 0.5f, 1.0f);
  auto f = [](const Leaves& v) {
    Tensor y = v[0];
    for (int i = 0; i < 25; ++i) {
      y = nn::tanh(nn::add(nn::mul(y, v[1]), nn::mul_scalar(v[0], 0.3f)));
    }
    return y;
  };
  EXPECT_TRUE(gc::check(f, {x, s}));
}

// A PPO-style clipped objective: min(r A, clamp(r, 1-e, 1+e) A), r = exp(logp - logp_old).
TEST(AutogradGraph, ClippedSurrogateObjective) {
  Tensor logits = uniform({4, 3}, 131, -1.0f, 1.0f);
  Tensor actions = Tensor::from_vector({0.0f, 2.0f, 1.0f, 2.0f}, {4});
  // Ratios exp(0.4), exp(-0.4), exp(0.05), exp(0.3) with advantages of both signs: two elements
  // take the unclipped branch, one is inside the clip range, one is clipped (zero gradient).
  Tensor logp0 = nn::gather(nn::log_softmax(logits), actions);
  Tensor old_logp = nn::sub(logp0, Tensor::from_vector({0.4f, -0.4f, 0.05f, 0.3f}, {4}));
  Tensor adv = Tensor::from_vector({-1.0f, 1.0f, 2.0f, 1.5f}, {4});
  auto f = [=](const Leaves& v) {
    Tensor logp = nn::gather(nn::log_softmax(v[0]), actions);
    Tensor ratio = nn::exp(nn::sub(logp, old_logp));
    Tensor clipped = nn::clamp(ratio, 0.8f, 1.2f);
    return nn::minimum(nn::mul(ratio, adv), nn::mul(clipped, adv));
  };
  EXPECT_TRUE(gc::check(f, {logits}));
}

// The checker itself must be able to fail: a "gradient" that is off by a factor is reported.
TEST(AutogradGradCheck, DetectsWrongGradient) {
  Tensor x = uniform({3}, 141);
  // detach() hides half of x * x from the tape, so the analytic gradient is x instead of 2x.
  auto wrong = [](const Leaves& v) { return nn::mul(v[0], v[0].detach()); };
  ::testing::AssertionResult r = gc::check(wrong, {x});
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("worst element"), std::string::npos) << r.message();
  // A function that ignores its input proves nothing and is reported as such.
  Tensor c = uniform({3}, 142);
  ::testing::AssertionResult z =
      gc::check([c](const Leaves& v) { return nn::add(nn::mul_scalar(v[0], 0.0f), c); }, {x});
  EXPECT_FALSE(z);
}

}  // namespace
