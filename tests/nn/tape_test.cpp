// Tape and Tensor semantics: recordings, gradient accumulation, lifetimes, scopes, the arena, and
// the errors of misuse.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "nn/error.hpp"
#include "nn/ops.hpp"
#include "nn/tape.hpp"
#include "nn/tensor.hpp"

namespace {

using nn::Shape;
using nn::Tape;
using nn::TapeScope;
using nn::Tensor;

Tensor param(const std::vector<float>& v, const Shape& s) {
  return Tensor::from_vector(v, s).set_requires_grad();
}

// The message of the phantom::Error (or subclass E) thrown by f, or "" if none was thrown.
template <class E = phantom::Error, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Gradient accumulation and the one-backward-per-recording rule
// ---------------------------------------------------------------------------------------------

// Gradients add up over recordings (as for several mini-batches) until zero_grad().
TEST(TapeGrad, AccumulatesAcrossRecordingsUntilZeroGrad) {
  Tensor w = param({1, 2, 3}, {3});
  Tensor x = Tensor::from_vector({0.5f, -1, 2}, {3});
  Tape tape;
  auto step = [&] {
    TapeScope scope(tape);
    nn::sum(nn::mul(w, x)).backward();
  };
  step();
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{0.5f, -1, 2}));
  step();
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{1, -2, 4}));
  w.zero_grad();
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{0, 0, 0}));
  step();
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{0.5f, -1, 2}));
}

// zero_grad() defers the clearing: the first backward contribution is written over whatever the
// buffer held (here NaNs, which any addition would keep), a buffer no backward reaches reads as
// zeros, and values written through grad() after zero_grad() are kept.
TEST(TapeGrad, ZeroGradLeavesStaleValuesThatNeverShow) {
  const float nan = std::nanf("");
  Tensor x = Tensor::from_vector({0.5f, -1, 2, 0.25f, 1.5f, -0.75f}, {2, 3});
  auto make = [] {
    Tensor w = param({0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f}, {3, 2});
    Tensor b = param({0.05f, -0.05f}, {2});
    return std::vector<Tensor>{w, b};
  };
  auto backward = [&](const std::vector<Tensor>& p) {
    Tape tape;
    TapeScope scope(tape);
    nn::sum(nn::dense(x, p[0], p[1], nn::Activation::tanh)).backward();
  };
  std::vector<Tensor> fresh = make(), stale = make();
  backward(fresh);
  Tensor unused = param({1, 2}, {2});
  for (Tensor* t : {&stale[0], &stale[1], &unused}) {
    float* g = t->grad();
    for (int64_t i = 0; i < t->numel(); ++i) g[i] = nan;
    t->zero_grad();
  }
  backward(stale);
  for (int i = 0; i < 2; ++i) {
    const std::vector<float> want = fresh[i].grad_tensor().to_vector();
    const std::vector<float> got = stale[i].grad_tensor().to_vector();
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t j = 0; j < got.size(); ++j) {
      EXPECT_EQ(got[j], want[j]) << "parameter " << i << ", element " << j;
    }
  }
  EXPECT_EQ(unused.grad_tensor().to_vector(), (std::vector<float>{0, 0}));
  unused.zero_grad();
  unused.grad()[1] = 7.0f;  // the first grad() clears the buffer, then hands it over
  EXPECT_EQ(unused.grad_tensor().to_vector(), (std::vector<float>{0, 7}));
}

// The graph is released by backward(): a second backward in the same recording is an error, and
// the gradients of the first one are not doubled.
TEST(TapeGrad, BackwardTwiceInOneRecordingThrows) {
  Tensor w = param({2}, {1});
  Tape tape;
  TapeScope scope(tape);
  Tensor loss = nn::sum(nn::square(w));
  loss.backward();
  std::string msg = error_of([&] { loss.backward(); });
  EXPECT_TRUE(contains(msg, "already used")) << msg;
  EXPECT_EQ(w.grad_tensor().item(), 4.0f);
}

// The graph outlives its TapeScope: backward() may run after the scope closed, until the next
// recording on that tape, which makes the old root unusable.
TEST(TapeGrad, BackwardAfterScopeClosed) {
  Tensor w = param({1, 2}, {2});
  Tape tape;
  Tensor loss;
  {
    TapeScope scope(tape);
    loss = nn::sum(nn::square(w));
  }
  loss.backward();
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{2, 4}));
  Tensor stale;
  {
    TapeScope scope(tape);
    stale = nn::sum(w);
  }
  TapeScope scope(tape);
  std::string msg = error_of([&] { stale.backward(); });
  EXPECT_TRUE(contains(msg, "new recording")) << msg;
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{2, 4}));
}

// After backward() in a recording, further ops record nothing and need no gradient.
TEST(TapeGrad, OpsAfterBackwardRecordNothing) {
  Tensor w = param({1, 2}, {2});
  Tape tape;
  TapeScope scope(tape);
  nn::sum(w).backward();
  EXPECT_FALSE(tape.recording());
  EXPECT_EQ(tape.num_nodes(), 0u);
  Tensor y = nn::exp(w);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(tape.num_nodes(), 0u);
  EXPECT_EQ(y.tape(), &tape);  // still arena memory
}

// Intermediate results keep their gradient (and values) readable after backward().
TEST(TapeGrad, IntermediateGradientsReadableAfterBackward) {
  Tensor w = param({1, -2}, {2});
  Tape tape;
  TapeScope scope(tape);
  Tensor h = nn::mul_scalar(w, 3.0f);
  nn::sum(nn::square(h)).backward();
  ASSERT_NE(h.grad(), nullptr);
  EXPECT_EQ(h.grad_tensor().to_vector(), (std::vector<float>{6, -12}));  // 2 h
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{18, -36}));
  EXPECT_EQ(h.to_vector(), (std::vector<float>{3, -6}));
}

// detach(): same values (shared memory), no gradient through it.
TEST(TapeGrad, DetachStopsGradients) {
  Tensor w = param({1, 2, 3}, {3});
  Tensor d = w.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.grad(), nullptr);
  EXPECT_EQ(d.data(), w.data());
  Tape tape;
  {
    TapeScope scope(tape);
    // d(w * stop(w)) / dw = stop(w) = w, not 2 w.
    nn::sum(nn::mul(w, w.detach())).backward();
  }
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{1, 2, 3}));
  // A detached view cannot become a leaf of its own (its gradient would be the original's).
  std::string msg = error_of<phantom::ValueError>([&] { d.set_requires_grad(); });
  EXPECT_TRUE(contains(msg, "detach")) << msg;
  EXPECT_TRUE(w.requires_grad());
}

// Detaching an op result stops the gradient inside a graph.
TEST(TapeGrad, DetachOfIntermediate) {
  Tensor w = param({2, 3}, {2});
  Tape tape;
  TapeScope scope(tape);
  Tensor h = nn::square(w);
  nn::sum(nn::add(h.detach(), nn::mul_scalar(w, 5.0f))).backward();
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{5, 5}));
}

// reshape is a view with the parameter's own gradient buffer: gradients reach the parameter.
TEST(TapeGrad, ReshapeOfParameterPropagatesGradients) {
  Tensor w = param({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor c = Tensor::from_vector({1, 10, 100, 1000, 1e4f, 1e5f}, {6});
  Tape tape;
  {
    TapeScope scope(tape);
    Tensor v = nn::reshape(nn::reshape(w, {3, 2}), {6});
    EXPECT_TRUE(v.requires_grad());
    nn::sum(nn::mul(v, c)).backward();
  }
  EXPECT_EQ(w.grad_tensor().to_vector(), c.to_vector());
  EXPECT_EQ(w.grad_tensor().shape(), (Shape{2, 3}));
}

// ---------------------------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------------------------

// requires_grad belongs to the storage: a copy of the handle taken before set_requires_grad()
// (e.g. kept by a layer or an optimiser) trains the same parameter.
TEST(TensorHandles, CopiesShareRequiresGradAndGradient) {
  Tensor w = Tensor::from_vector({1, 2}, {2});
  Tensor alias = w;
  w.set_requires_grad();
  EXPECT_TRUE(alias.requires_grad());
  ASSERT_NE(alias.grad(), nullptr);
  EXPECT_EQ(alias.grad(), w.grad());
  Tape tape;
  {
    TapeScope scope(tape);
    nn::sum(nn::mul_scalar(alias, 3.0f)).backward();
  }
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{3, 3}));
  alias.zero_grad();
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{0, 0}));
  alias.set_requires_grad(false);
  EXPECT_FALSE(w.requires_grad());
  EXPECT_EQ(w.grad(), nullptr);
}

TEST(TensorHandles, CloneIsADeepCopyWithoutGradient) {
  Tensor w = param({1, 2}, {2});
  Tensor c = w.clone();
  EXPECT_FALSE(c.requires_grad());
  EXPECT_NE(c.data(), w.data());
  c.fill(7.0f);
  EXPECT_EQ(w.to_vector(), (std::vector<float>{1, 2}));
  w.copy_from(c);
  EXPECT_EQ(w.to_vector(), (std::vector<float>{7, 7}));
}

// copy_from a tensor sharing the same memory (itself, a view) is well defined.
TEST(TensorHandles, CopyFromOverlappingMemory) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {2, 2});
  x.copy_from(x);
  x.copy_from(nn::reshape(x, {4}));
  x.copy_from(x.detach());
  EXPECT_EQ(x.to_vector(), (std::vector<float>{1, 2, 3, 4}));
}

// ---------------------------------------------------------------------------------------------
// Lifetimes
// ---------------------------------------------------------------------------------------------

// Results of a recording stay valid until the next TapeScope on the same tape, then throw.
TEST(TapeLifetime, TensorFromPreviousRecordingThrows) {
  Tensor w = param({1, 2}, {2});
  Tape tape;
  Tensor old;
  {
    TapeScope scope(tape);
    old = nn::exp(w);
  }
  EXPECT_EQ(old.to_vector().size(), 2u);  // the scope closed, but no new recording yet
  TapeScope scope(tape);
  std::string msg = error_of([&] { (void)old.data(); });
  EXPECT_TRUE(contains(msg, "[2]") && contains(msg, "new recording")) << msg;
  EXPECT_FALSE(error_of([&] { nn::add(old, w); }).empty());
  EXPECT_FALSE(error_of([&] { old.to_vector(); }).empty());
  EXPECT_FALSE(error_of([&] { old.item(); }).empty());
  // clone() before the next recording is the way to keep a result.
  EXPECT_EQ(w.to_vector(), (std::vector<float>{1, 2}));
}

// Results of one tape are unaffected by new recordings on another tape.
TEST(TapeLifetime, OtherTapesDoNotInvalidate) {
  Tensor w = param({1, 2}, {2});
  Tape a, b;
  Tensor ya;
  {
    TapeScope scope(a);
    ya = nn::mul_scalar(w, 2.0f);
  }
  for (int i = 0; i < 3; ++i) {
    TapeScope scope(b);
    (void)nn::exp(w);
  }
  EXPECT_EQ(ya.to_vector(), (std::vector<float>{2, 4}));
}

// ---------------------------------------------------------------------------------------------
// Without a tape, NoGradGuard
// ---------------------------------------------------------------------------------------------

// With no TapeScope, ops compute owned results and record nothing; backward() explains why.
TEST(TapeNoScope, OpsWorkAndBackwardThrows) {
  ASSERT_EQ(Tape::current(), nullptr);
  Tensor w = param({1, 2}, {2});
  Tensor loss = nn::sum(nn::mul(w, w));
  EXPECT_EQ(loss.item(), 5.0f);
  EXPECT_EQ(loss.tape(), nullptr);
  EXPECT_FALSE(loss.requires_grad());
  std::string msg = error_of([&] { loss.backward(); });
  EXPECT_TRUE(contains(msg, "TapeScope")) << msg;
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{0, 0}));
  // Owned results outlive any tape and may become leaves themselves.
  EXPECT_NO_THROW(loss.set_requires_grad());
}

// Under NoGradGuard nothing is recorded and no result requires a gradient (views included).
TEST(TapeNoGrad, NothingRecorded) {
  Tensor w = param({1, 2, 3, 4}, {2, 2});
  Tape tape;
  TapeScope scope(tape);
  {
    nn::NoGradGuard guard;
    EXPECT_FALSE(nn::grad_enabled());
    for (const Tensor& y : {nn::tanh(w), nn::matmul(w, w), nn::sum(w), nn::reshape(w, {4}),
                            nn::slice(w, 0, 0, 1), nn::concat({w, w}, 0)}) {
      EXPECT_FALSE(y.requires_grad());
      EXPECT_EQ(y.grad(), nullptr);
    }
    EXPECT_EQ(tape.num_nodes(), 0u);
    {
      nn::NoGradGuard inner;  // guards nest
    }
    EXPECT_FALSE(nn::grad_enabled());
    std::string msg = error_of([&] { nn::sum(w).backward(); });
    EXPECT_TRUE(contains(msg, "does not require a gradient")) << msg;
  }
  EXPECT_TRUE(nn::grad_enabled());
  Tensor y = nn::tanh(w);
  EXPECT_TRUE(y.requires_grad());
  EXPECT_EQ(tape.num_nodes(), 1u);
}

// Ops on tensors that need no gradient record nothing either.
TEST(TapeNoGrad, ConstantsRecordNothing) {
  Tensor c = Tensor::from_vector({1, 2}, {2});
  Tape tape;
  TapeScope scope(tape);
  Tensor y = nn::sum(nn::exp(c));
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(tape.num_nodes(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

// Scopes on two tapes nest: the inner tape is current until its scope ends, each records its own
// ops, and both backward passes add into the shared parameter.
TEST(TapeScopes, NestedScopesOnTwoTapes) {
  Tensor w = param({1, 2}, {2});
  Tape outer, inner;
  TapeScope s1(outer);
  EXPECT_EQ(Tape::current(), &outer);
  Tensor y = nn::sum(nn::mul_scalar(w, 2.0f));
  EXPECT_EQ(outer.num_nodes(), 2u);
  {
    TapeScope s2(inner);
    EXPECT_EQ(Tape::current(), &inner);
    Tensor z = nn::sum(nn::mul_scalar(w, 3.0f));
    EXPECT_EQ(z.tape(), &inner);
    EXPECT_EQ(inner.num_nodes(), 2u);
    z.backward();
  }
  EXPECT_EQ(Tape::current(), &outer);
  EXPECT_EQ(outer.num_nodes(), 2u);  // the inner ops went to the inner tape
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{3, 3}));
  y.backward();
  EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<float>{5, 5}));
}

// A tape can have only one open scope; the failed attempt leaves the current one intact.
TEST(TapeScopes, OpeningTheSameTapeTwiceThrows) {
  Tensor w = param({1}, {1});
  Tape tape;
  TapeScope scope(tape);
  Tensor y = nn::square(w);
  std::string msg = error_of([&] { TapeScope again(tape); });
  EXPECT_TRUE(contains(msg, "already has an open scope")) << msg;
  EXPECT_EQ(Tape::current(), &tape);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1}));  // no new recording was started
  nn::sum(y).backward();
  EXPECT_EQ(w.grad_tensor().item(), 2.0f);
}

// A scope left by an exception still restores the previous current tape.
TEST(TapeScopes, ExceptionInsideScopeRestoresCurrent) {
  Tape tape;
  try {
    TapeScope scope(tape);
    nn::add(Tensor::zeros({2}), Tensor::zeros({3}));
  } catch (const phantom::ShapeError&) {
  }
  EXPECT_EQ(Tape::current(), nullptr);
  EXPECT_NO_THROW(TapeScope again(tape));
}

// The current tape is per thread: another thread sees none and gets owned results.
TEST(TapeScopes, CurrentTapeIsPerThread) {
  Tensor w = param({1, 2}, {2});
  Tape tape;
  TapeScope scope(tape);
  Tape* seen = &tape;
  bool owned = false;
  std::thread t([&] {
    seen = Tape::current();
    owned = nn::exp(w).tape() == nullptr;
  });
  t.join();
  EXPECT_EQ(seen, nullptr);
  EXPECT_TRUE(owned);
  EXPECT_EQ(tape.num_nodes(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Arena
// ---------------------------------------------------------------------------------------------

// Identical iterations reuse the arena: after the first (which may need several chunks, merged
// into one at the next recording) the capacity and the result addresses stay the same.
TEST(TapeArena, MemoryIsReusedAcrossIdenticalIterations) {
  const int64_t B = 128, D = 160;  // 80 KB per activation: more than the first 64 KB chunk
  Tensor x = Tensor::full({B, D}, 0.01f);
  Tensor w = Tensor::full({D, D}, 0.001f).set_requires_grad();
  Tensor b = Tensor::zeros({D}).set_requires_grad();
  Tape tape;
  std::vector<std::size_t> capacity;
  std::vector<const float*> where;
  for (int it = 0; it < 5; ++it) {
    TapeScope scope(tape);
    Tensor h = nn::tanh(nn::linear(x, w, b));
    Tensor loss = nn::mean(nn::square(h));
    EXPECT_EQ(tape.num_nodes(), 4u);  // linear, tanh, square, mean
    loss.backward();
    EXPECT_EQ(tape.num_nodes(), 0u);
    capacity.push_back(tape.arena_capacity());
    where.push_back(h.data());
  }
  EXPECT_GE(capacity[0], static_cast<std::size_t>(3 * B * D * 2 * sizeof(float)));
  for (int it = 2; it < 5; ++it) {
    EXPECT_EQ(capacity[it], capacity[1]) << "iteration " << it;
    EXPECT_EQ(where[it], where[1]) << "iteration " << it;
  }
  EXPECT_EQ(capacity[1], capacity[0]);  // merging the chunks keeps the total
}

// A generation counter distinguishes recordings.
TEST(TapeArena, GenerationAdvancesPerRecording) {
  Tape tape;
  uint64_t g0 = tape.generation();
  { TapeScope scope(tape); }
  { TapeScope scope(tape); }
  EXPECT_EQ(tape.generation(), g0 + 2);
}

// ---------------------------------------------------------------------------------------------
// Misuse errors
// ---------------------------------------------------------------------------------------------

TEST(TapeErrors, BackwardOnNonScalarThrowsShapeError) {
  Tensor w = param({1, 2}, {2});
  Tape tape;
  TapeScope scope(tape);
  Tensor y = nn::exp(w);
  std::string msg = error_of<phantom::ShapeError>([&] { y.backward(); });
  EXPECT_TRUE(contains(msg, "backward") && contains(msg, "[2]")) << msg;
  // A one-element tensor of any rank is a valid root.
  EXPECT_NO_THROW(nn::reshape(nn::sum(y), {1, 1}).backward());
  EXPECT_FLOAT_EQ(w.grad_tensor().to_vector()[1], std::exp(2.0f));
}

TEST(TapeErrors, BackwardOnUndefinedTensorThrows) {
  EXPECT_FALSE(error_of([] { Tensor().backward(); }).empty());
}

TEST(TapeErrors, SetRequiresGradOnOpResultThrows) {
  Tensor w = param({1, 2}, {2});
  Tape tape;
  TapeScope scope(tape);
  Tensor y = nn::exp(w);
  std::string msg = error_of<phantom::ValueError>([&] { y.set_requires_grad(); });
  EXPECT_TRUE(contains(msg, "set_requires_grad")) << msg;
}

TEST(TensorErrors, ItemOnNonScalarThrows) {
  std::string msg = error_of<phantom::ShapeError>([] { Tensor::zeros({2, 1}).item(); });
  EXPECT_TRUE(contains(msg, "item") && contains(msg, "[2, 1]")) << msg;
  EXPECT_EQ(Tensor::full({1, 1, 1}, 4.5f).item(), 4.5f);
  EXPECT_EQ(Tensor::scalar(-2.0f).item(), -2.0f);
}

TEST(TensorErrors, FromVectorSizeMismatchThrows) {
  std::string msg = error_of<phantom::ShapeError>([] { Tensor::from_vector({1, 2, 3}, {2, 2}); });
  EXPECT_TRUE(contains(msg, "3 values") && contains(msg, "[2, 2]")) << msg;
  msg = error_of<phantom::ShapeError>([] { Tensor::zeros({3}).copy_from(Tensor::zeros({2})); });
  EXPECT_TRUE(contains(msg, "copy_from")) << msg;
}

// Reading an undefined tensor throws instead of dereferencing a null pointer.
TEST(TensorErrors, UndefinedTensorAccessThrows) {
  Tensor u;
  Tensor t = Tensor::zeros({1});
  for (const std::string& msg : {error_of<phantom::ValueError>([&] { u.item(); }),
                                 error_of<phantom::ValueError>([&] { u.to_vector(); }),
                                 error_of<phantom::ValueError>([&] { u.clone(); }),
                                 error_of<phantom::ValueError>([&] { u.fill(1.0f); }),
                                 error_of<phantom::ValueError>([&] { t.copy_from(u); }),
                                 error_of<phantom::ValueError>([&] { u.copy_from(t); })}) {
    EXPECT_TRUE(contains(msg, "undefined")) << msg;
  }
}

TEST(TensorErrors, ShapeRejectsNegativeDimsAndRankAboveFour) {
  std::string msg = error_of<phantom::ShapeError>([] { (void)Shape{2, -1}; });
  EXPECT_TRUE(contains(msg, "negative") && contains(msg, "-1")) << msg;
  msg = error_of<phantom::ShapeError>([] { (void)Shape(std::vector<int64_t>{3, -2}); });
  EXPECT_TRUE(contains(msg, "negative")) << msg;
  msg = error_of<phantom::ShapeError>([] { (void)Shape{1, 2, 3, 4, 5}; });
  EXPECT_TRUE(contains(msg, "rank 5")) << msg;
  msg = error_of<phantom::ShapeError>([] { (void)Shape(std::vector<int64_t>(5, 1)); });
  EXPECT_TRUE(contains(msg, "rank 5")) << msg;
  EXPECT_NO_THROW((void)Shape({1, 2, 3, 4}));
}

// ---------------------------------------------------------------------------------------------
// Shape and Tensor basics
// ---------------------------------------------------------------------------------------------

TEST(TensorShape, Accessors) {
  Shape s{2, 3, 4};
  EXPECT_EQ(s.rank(), 3);
  EXPECT_EQ(s.numel(), 24);
  EXPECT_EQ(s[-1], 4);
  EXPECT_EQ(s[0], 2);
  EXPECT_EQ(s.outer(1), 2);
  EXPECT_EQ(s.inner(1), 4);
  EXPECT_EQ(s.normalize_dim(-1, "op"), 2);
  EXPECT_EQ(s.reduced(1, false), (Shape{2, 4}));
  EXPECT_EQ(s.reduced(1, true), (Shape{2, 1, 4}));
  EXPECT_EQ(s.with_dim(2, 7), (Shape{2, 3, 7}));
  EXPECT_EQ(s.to_string(), "[2, 3, 4]");
  EXPECT_EQ(Shape{}.to_string(), "[]");
  EXPECT_EQ(Shape{}.numel(), 1);
  EXPECT_NE(Shape({2, 3}), Shape({3, 2}));
  EXPECT_NE(Shape({6}), Shape({6, 1}));
  std::string msg = error_of<phantom::ShapeError>([&] { s.normalize_dim(3, "myop"); });
  EXPECT_TRUE(contains(msg, "myop") && contains(msg, "[2, 3, 4]")) << msg;
}

TEST(TensorBasics, DefinedCreationAndAccess) {
  EXPECT_FALSE(Tensor().defined());
  EXPECT_TRUE(Tensor::zeros({0, 3}).defined());  // empty but defined
  Tensor t = Tensor::full({2, 2}, 1.5f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{1.5f, 1.5f, 1.5f, 1.5f}));
  EXPECT_EQ(t.rank(), 2);
  EXPECT_EQ(t.dim(-1), 2);
  EXPECT_EQ(t.numel(), 4);
  EXPECT_FALSE(t.requires_grad());
  EXPECT_EQ(t.grad(), nullptr);
  EXPECT_EQ(t.grad_tensor().to_vector(), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(t.tape(), nullptr);
  Tensor s = Tensor::scalar(3.0f);
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.item(), 3.0f);
}

}  // namespace

namespace {

struct ScaleArgs {
  float scale;
};
struct DimArgs {
  int dim;
};

TEST(NodeArgs, ComeBackAsStoredAndAnotherTypeIsAnErrorNamingTheOp) {
  Tape tape;
  TapeScope scope(tape);
  Tensor out = tape.new_tensor(Shape{1}, /*with_grad=*/true);
  nn::Node& node = tape.record(nullptr, "my_op", out);
  tape.set_args(node, ScaleArgs{2.5f});
  EXPECT_EQ(node.args<ScaleArgs>().scale, 2.5f);
  EXPECT_NE(error_of([&] { (void)node.args<DimArgs>(); }).find("op 'my_op'"), std::string::npos);
  nn::Node& bare = tape.record(nullptr, "no_args", out);
  EXPECT_NE(error_of([&] { (void)bare.args<ScaleArgs>(); }).find("op 'no_args'"),
            std::string::npos);
}

}  // namespace
