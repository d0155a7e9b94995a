// Tests for the fused dense layer: the kernels (kernels::dense and its backward fold), the op
// (nn::dense) and its use by Linear / Mlp.
//
// The fusion must not move a single bit: training runs are pinned by checksums, and a fused
// layer replaces linear() followed by tanh() / relu(). So besides the finite-difference checks,
// every comparison here is bitwise: each SIMD path against the scalar reference, and the fused
// op's values and gradients against the unfused composition.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "grad_check.hpp"
#include "nn/kernels/elementwise_paths.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/layers.hpp"
#include "nn/ops.hpp"
#include "nn/rng.hpp"
#include "nn/tape.hpp"
#include "nn/thread_pool.hpp"

namespace {

namespace gc = nn::gradcheck;
namespace k = nn::kernels;
using k::Activation;
using k::Isa;
using Leaves = std::vector<nn::Tensor>;

// Restores the active SIMD path and the thread count when a test ends (even on failure).
class PathGuard {
 public:
  PathGuard() : saved_(k::active_isa()) {}
  ~PathGuard() {
    k::set_active_isa(saved_);
    nn::set_num_threads(0);
  }
  PathGuard(const PathGuard&) = delete;
  PathGuard& operator=(const PathGuard&) = delete;

 private:
  Isa saved_;
};

std::vector<Isa> available_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (k::cpu_supports(isa)) isas.push_back(isa);
  }
  return isas;
}

const Activation kActivations[] = {Activation::none, Activation::tanh, Activation::relu};

const char* name_of(Activation act) {
  return act == Activation::tanh ? "tanh" : act == Activation::relu ? "relu" : "none";
}

// Values with full 24-bit mantissas (so any change in operation order shows in the bits), of
// magnitude up to `scale`, half of them negative.
std::vector<float> random_values(std::size_t n, uint64_t seed, float scale) {
  nn::Rng rng(seed, 0xD5);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-scale, scale);
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b, std::string* where) {
  if (a.size() != b.size()) {
    *where = "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size());
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      *where = "element " + std::to_string(i) + ": " + std::to_string(a[i]) + " vs " +
               std::to_string(b[i]);
      return false;
    }
  }
  return true;
}

// ---- kernels::dense ---------------------------------------------------------------------------

struct DenseShape {
  int rows, in, out;
};

// Rows from one (acting) to several bands and a thread split; inputs from none to wider than a
// register; outputs narrow (a 3-action head), odd, and wider than one band row.
// A single row (acting) takes its own route, with the activation applied in registers: up to
// 256 outputs in one block, wider rows in several, the last one masked.
const DenseShape kShapes[] = {{1, 4, 64},  {1, 64, 3},    {1, 0, 5},      {1, 33, 300},
                              {1, 7, 24},  {7, 5, 17},    {13, 64, 64},   {64, 4, 64},
                              {64, 64, 3}, {100, 33, 70}, {300, 17, 256}, {2, 0, 9},
                              {37, 1, 1},  {130, 64, 64}, {5, 300, 33}};

TEST(DenseKernel, EveryPathMatchesTheReferenceBitwise) {
  PathGuard guard;
  uint64_t seed = 1;
  for (const DenseShape& s : kShapes) {
    const auto x = random_values(static_cast<std::size_t>(s.rows) * s.in, seed++, 1.0f);
    const auto w = random_values(static_cast<std::size_t>(s.in) * s.out, seed++, 0.5f);
    const auto b = random_values(static_cast<std::size_t>(s.out), seed++, 1.0f);
    for (bool bias : {true, false}) {
      for (Activation act : kActivations) {
        const std::string what = std::to_string(s.rows) + "x" + std::to_string(s.in) + "->" +
                                 std::to_string(s.out) + " " + name_of(act) +
                                 (bias ? " bias" : " no bias");
        std::vector<float> expected(static_cast<std::size_t>(s.rows) * s.out);
        k::dense_reference(s.rows, s.in, s.out, x.data(), w.data(), bias ? b.data() : nullptr, act,
                           expected.data());
        for (Isa isa : available_isas()) {
          k::set_active_isa(isa);
          // Two threads where the kernel splits the rows (76,800 activated outputs).
          const int max_threads = static_cast<int64_t>(s.rows) * s.out >= 65536 ? 2 : 1;
          for (int threads = 1; threads <= max_threads; ++threads) {
            nn::set_num_threads(threads);
            // NaN-filled output: the kernel must write every element and read none.
            std::vector<float> got(expected.size(), std::numeric_limits<float>::quiet_NaN());
            k::dense(s.rows, s.in, s.out, x.data(), w.data(), bias ? b.data() : nullptr, act,
                     got.data());
            std::string where;
            EXPECT_TRUE(same_bits(got, expected, &where))
                << k::isa_name(isa) << " " << what << " threads " << threads << ": " << where;
          }
        }
      }
    }
  }
}

TEST(DenseKernel, SingleRowMatchesTheReferenceOnOddSizes) {
  // Acting (one row) has its own route on the SIMD paths, with the bias and the activation
  // applied to the accumulators: inputs from none to past a multiple of the register width,
  // outputs on both sides of a register (4, 8 or 16 lanes), of a 64-wide layer and of the widest
  // block (256 outputs on AVX-512, 128 on AVX2).
  PathGuard guard;
  uint64_t seed = 100;
  for (int in : {0, 1, 3, 4, 5, 63, 64, 65}) {
    for (int out : {1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 257}) {
      const auto x = random_values(static_cast<std::size_t>(in), seed++, 1.0f);
      const auto w = random_values(static_cast<std::size_t>(in) * out, seed++, 0.5f);
      const auto b = random_values(static_cast<std::size_t>(out), seed++, 1.0f);
      for (bool bias : {true, false}) {
        for (Activation act : kActivations) {
          std::vector<float> expected(static_cast<std::size_t>(out));
          k::dense_reference(1, in, out, x.data(), w.data(), bias ? b.data() : nullptr, act,
                             expected.data());
          for (Isa isa : available_isas()) {
            k::set_active_isa(isa);
            std::vector<float> got(expected.size(), std::numeric_limits<float>::quiet_NaN());
            k::dense(1, in, out, x.data(), w.data(), bias ? b.data() : nullptr, act, got.data());
            std::string where;
            ASSERT_TRUE(same_bits(got, expected, &where))
                << k::isa_name(isa) << " 1x" << in << "->" << out << " " << name_of(act)
                << (bias ? " bias" : " no bias") << ": " << where;
          }
        }
      }
    }
  }
}

TEST(DenseKernel, SingleRowPropagatesNanInfinityAndSignedZeroLikeTheReference) {
  // Specials in w and b reach exactly the outputs the reference's chains take them to: a NaN
  // stays NaN through tanh and relu (any NaN matches any NaN: which one comes out of two is the
  // hardware's choice), +-inf saturates tanh to +-1 and passes relu or not, and a chain of -0
  // from a -0 bias stays -0 (then whatever sign the activation's formula gives it).
  PathGuard guard;
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float specials[] = {inf, -inf, nan, -0.0f, 0.0f};
  nn::Rng pick(7, 0xD5);
  uint64_t seed = 500;
  for (int in : {1, 4, 64}) {
    for (int out : {3, 17, 64}) {
      auto x = random_values(static_cast<std::size_t>(in), seed++, 1.0f);
      auto w = random_values(static_cast<std::size_t>(in) * out, seed++, 0.5f);
      auto b = random_values(static_cast<std::size_t>(out), seed++, 1.0f);
      for (auto* v : {&w, &b}) {
        for (int t = 0; t < 3; ++t) {
          (*v)[static_cast<std::size_t>(pick.uniform_int(static_cast<int64_t>(v->size())))] =
              specials[pick.uniform_int(5)];
        }
      }
      // Output 0: a -0 bias and only -0 products (x[0] = -0 times 1, then each x[p] times a zero
      // of the opposite sign).
      x[0] = -0.0f;
      for (int p = 0; p < in; ++p) {
        w[static_cast<std::size_t>(p) * out] = p == 0 ? 1.0f : std::signbit(x[p]) ? 0.0f : -0.0f;
      }
      b[0] = -0.0f;
      for (Activation act : kActivations) {
        std::vector<float> expected(static_cast<std::size_t>(out));
        k::dense_reference(1, in, out, x.data(), w.data(), b.data(), act, expected.data());
        if (act == Activation::none) {
          ASSERT_TRUE(std::signbit(expected[0])) << "reference, output 0";
        }
        for (Isa isa : available_isas()) {
          k::set_active_isa(isa);
          std::vector<float> got(expected.size());
          k::dense(1, in, out, x.data(), w.data(), b.data(), act, got.data());
          for (int j = 0; j < out; ++j) {
            const bool both_nan = got[j] != got[j] && expected[j] != expected[j];
            ASSERT_TRUE(both_nan || std::memcmp(&got[j], &expected[j], sizeof(float)) == 0)
                << k::isa_name(isa) << " 1x" << in << "->" << out << " " << name_of(act) << ": y["
                << j << "] is " << got[j] << ", expected " << expected[j];
          }
        }
      }
    }
  }
}

TEST(DenseKernel, EqualsGemmThenActivationKernel) {
  // The contract the op relies on: dense == bias copy, gemm with accumulate, activation kernel.
  PathGuard guard;
  const int rows = 96, in = 40, out = 72;
  const auto x = random_values(rows * in, 3, 1.0f), w = random_values(in * out, 4, 0.5f);
  const auto b = random_values(out, 5, 1.0f);
  for (Isa isa : available_isas()) {
    k::set_active_isa(isa);
    for (Activation act : kActivations) {
      std::vector<float> unfused(rows * out);
      for (int r = 0; r < rows; ++r) std::memcpy(&unfused[r * out], b.data(), out * sizeof(float));
      k::gemm(false, false, rows, out, in, x.data(), in, w.data(), out, unfused.data(), out, true);
      if (act == Activation::tanh) k::tanh(unfused.data(), unfused.data(), rows * out);
      if (act == Activation::relu) k::relu(unfused.data(), unfused.data(), rows * out);
      std::vector<float> fused(rows * out);
      k::dense(rows, in, out, x.data(), w.data(), b.data(), act, fused.data());
      std::string where;
      EXPECT_TRUE(same_bits(fused, unfused, &where))
          << k::isa_name(isa) << " " << name_of(act) << ": " << where;
    }
  }
}

// ---- kernels::dense_fold ----------------------------------------------------------------------

TEST(DenseFold, EveryPathMatchesTheScalarReferenceBitwise) {
  PathGuard guard;
  for (int cols : {1, 3, 16, 17, 64, 70, 130}) {
    const int rows = 9;
    const std::size_t n = static_cast<std::size_t>(rows) * cols;
    auto dy = random_values(n, 10 + cols, 2.0f);
    auto y = random_values(n, 20 + cols, 1.0f);
    dy[0] = -0.0f;  // a -0 term must come out +0 (y > 0: relu passes dy through)
    y[0] = 0.5f;
    y[n - 1] = 1.0f;  // tanh: 1 - y * y = 0, and dy * 0 is -0 for a negative dy
    dy[n - 1] = -3.0f;
    const auto db0 = random_values(static_cast<std::size_t>(cols), 30 + cols, 1.0f);
    for (Activation act : {Activation::tanh, Activation::relu}) {
      std::vector<float> dz_ref(n), db_ref = db0;
      k::scalar::dense_fold(dy.data(), y.data(), rows, cols, act, dz_ref.data(), db_ref.data());
      EXPECT_FALSE(std::signbit(dz_ref[0])) << name_of(act) << ": -0 term not turned into +0";
      if (act == Activation::tanh) {
        EXPECT_FALSE(std::signbit(dz_ref[n - 1])) << "tanh: -0 term kept its sign";
      }
      for (Isa isa : available_isas()) {
        k::set_active_isa(isa);
        std::vector<float> dz(n), db = db0;
        k::dense_fold(dy.data(), y.data(), rows, cols, act, dz.data(), db.data());
        std::string where;
        EXPECT_TRUE(same_bits(dz, dz_ref, &where))
            << k::isa_name(isa) << " " << name_of(act) << " cols " << cols << " dz: " << where;
        EXPECT_TRUE(same_bits(db, db_ref, &where))
            << k::isa_name(isa) << " " << name_of(act) << " cols " << cols << " db: " << where;
        // In place (dz aliasing dy) and without a bias gradient.
        std::vector<float> in_place = dy;
        k::dense_fold(in_place.data(), y.data(), rows, cols, act, in_place.data(), nullptr);
        EXPECT_TRUE(same_bits(in_place, dz_ref, &where))
            << k::isa_name(isa) << " " << name_of(act) << " cols " << cols
            << " in place: " << where;
      }
    }
  }
}

TEST(DenseFold, EqualsActivationBackwardIntoZerosThenColumnSums) {
  const int rows = 11, cols = 37;
  const auto dy = random_values(rows * cols, 41, 2.0f), y = random_values(rows * cols, 42, 1.0f);
  const auto db0 = random_values(cols, 43, 1.0f);
  for (Activation act : {Activation::tanh, Activation::relu}) {
    std::vector<float> expected(rows * cols, 0.0f), db_expected = db0;
    if (act == Activation::tanh)
      k::tanh_backward(dy.data(), y.data(), expected.data(), rows * cols);
    if (act == Activation::relu)
      k::relu_backward(dy.data(), y.data(), expected.data(), rows * cols);
    k::col_sum_acc(expected.data(), rows, cols, db_expected.data());
    std::vector<float> dz(rows * cols), db = db0;
    k::dense_fold(dy.data(), y.data(), rows, cols, act, dz.data(), db.data());
    std::string where;
    EXPECT_TRUE(same_bits(dz, expected, &where)) << name_of(act) << " dz: " << where;
    EXPECT_TRUE(same_bits(db, db_expected, &where)) << name_of(act) << " db: " << where;
  }
}

// ---- nn::dense: finite differences ------------------------------------------------------------

TEST(AutogradDense, MatchesFiniteDifferencesForEveryActivation) {
  for (Activation act : kActivations) {
    // Odd shapes: 5 rows of 7 inputs into 3 and into 19 outputs.
    for (int out : {3, 19}) {
      nn::Tensor x = gc::uniform({5, 7}, 1, -1.0f, 1.0f);
      nn::Tensor w = gc::uniform({7, out}, 2, -0.3f, 0.3f);
      nn::Tensor b = gc::uniform({out}, 3, -1.0f, 1.0f);
      if (act == Activation::relu) {
        // Every pre-activation well clear of the kink, with or without bias: positive inputs,
        // and each column of w of one sign (alternating), so |x w| >= 7 * 0.5 * 0.1 = 0.35;
        // small biases (|b| < 0.1) cannot bring it back near 0.
        x = gc::uniform({5, 7}, 1, 0.5f, 1.0f);
        std::vector<float> wv = gc::uniform({7, out}, 2, 0.1f, 0.5f).to_vector();
        for (std::size_t i = 0; i < wv.size(); ++i) {
          if (i % static_cast<std::size_t>(out) % 2 == 1) wv[i] = -wv[i];
        }
        w = nn::Tensor::from_vector(wv, {7, out});
        b = gc::uniform({out}, 3, -0.1f, 0.1f);
      }
      const std::string what = std::string(name_of(act)) + " out " + std::to_string(out);
      EXPECT_TRUE(
          gc::check([act](const Leaves& v) { return nn::dense(v[0], v[1], v[2], act); }, {x, w, b}))
          << what << " with bias";
      EXPECT_TRUE(gc::check(
          [act](const Leaves& v) { return nn::dense(v[0], v[1], nn::Tensor(), act); }, {x, w}))
          << what << " without bias";
    }
  }
}

TEST(AutogradDense, Rank1AndRank3InputsAndAnInputUsedTwice) {
  nn::Tensor w = gc::uniform({4, 6}, 5, -0.5f, 0.5f), b = gc::uniform({6}, 6, -1.0f, 1.0f);
  nn::Tensor x1 = gc::uniform({4}, 7, -1.0f, 1.0f), x3 = gc::uniform({2, 3, 4}, 8, -1.0f, 1.0f);
  auto f = [](const Leaves& v) { return nn::dense(v[0], v[1], v[2], Activation::tanh); };
  EXPECT_TRUE(gc::check(f, {x1, w, b}));
  EXPECT_TRUE(gc::check(f, {x3, w, b}));
  // h feeds two dense layers: its gradient is written by the first backward to reach it and
  // added to by the second.
  nn::Tensor x = gc::uniform({3, 4}, 9, -1.0f, 1.0f), w2 = gc::uniform({6, 6}, 10, -0.5f, 0.5f);
  EXPECT_TRUE(gc::check(
      [](const Leaves& v) {
        nn::Tensor h = nn::dense(v[0], v[1], v[2], Activation::tanh);
        return nn::dense(h, v[3], nn::Tensor(), Activation::tanh) + h * 0.5f;
      },
      {x, w, b, w2}));
}

// ---- nn::dense against the unfused composition, bitwise ---------------------------------------

// Values and all three gradients of dense(x, w, b, act) and of act(linear(x, w, b)), through a
// loss that gives every output its own weight and puts a second product after the layer (so the
// layer's input gradient is a gemm into a fresh buffer in the fused graph).
struct LayerRun {
  std::vector<float> y, dx, dw, db;
};

LayerRun run_layer(bool fused, Activation act, int rows, int in, int out, float w_scale) {
  nn::Tensor x = nn::Tensor::from_vector(random_values(rows * in, 51, 1.0f), {rows, in});
  nn::Tensor w = nn::Tensor::from_vector(random_values(in * out, 52, w_scale), {in, out});
  nn::Tensor b = nn::Tensor::from_vector(random_values(out, 53, 1.0f), {out});
  nn::Tensor w0 = nn::Tensor::from_vector(random_values(in * in, 54, 0.5f), {in, in});
  nn::Tensor weights = nn::Tensor::from_vector(random_values(rows * out, 55, 1.0f), {rows, out});
  x.set_requires_grad();
  w.set_requires_grad();
  b.set_requires_grad();
  nn::Tape tape;
  nn::TapeScope scope(tape);
  nn::Tensor h = nn::linear(x, w0, nn::Tensor());  // an op output: its gradient is fresh
  nn::Tensor y;
  if (fused) {
    y = nn::dense(h, w, b, act);
  } else {
    y = nn::linear(h, w, b);
    if (act == Activation::tanh) y = nn::tanh(y);
    if (act == Activation::relu) y = nn::relu(y);
  }
  LayerRun r;
  r.y = y.to_vector();
  nn::sum(y * weights).backward();
  r.dx = x.grad_tensor().to_vector();
  r.dw = w.grad_tensor().to_vector();
  r.db = b.grad_tensor().to_vector();
  return r;
}

TEST(AutogradDense, ValuesAndGradientsAreBitIdenticalToLinearThenActivation) {
  PathGuard guard;
  for (Isa isa : available_isas()) {
    k::set_active_isa(isa);
    for (Activation act : kActivations) {
      for (const DenseShape& s : {DenseShape{1, 4, 64}, DenseShape{64, 64, 64},
                                  DenseShape{64, 64, 3}, DenseShape{30, 13, 70}}) {
        // Large weights saturate tanh to exactly +-1, where dy * (1 - y * y) is a signed zero:
        // the sign of every zero must match too.
        for (float w_scale : {0.5f, 40.0f}) {
          const LayerRun fused = run_layer(true, act, s.rows, s.in, s.out, w_scale);
          const LayerRun unfused = run_layer(false, act, s.rows, s.in, s.out, w_scale);
          const std::string what = std::string(k::isa_name(isa)) + " " + name_of(act) + " " +
                                   std::to_string(s.rows) + "x" + std::to_string(s.in) + "->" +
                                   std::to_string(s.out) + " w scale " + std::to_string(w_scale);
          std::string where;
          EXPECT_TRUE(same_bits(fused.y, unfused.y, &where)) << what << " y: " << where;
          EXPECT_TRUE(same_bits(fused.dx, unfused.dx, &where)) << what << " dx: " << where;
          EXPECT_TRUE(same_bits(fused.dw, unfused.dw, &where)) << what << " dw: " << where;
          EXPECT_TRUE(same_bits(fused.db, unfused.db, &where)) << what << " db: " << where;
        }
      }
    }
  }
}

TEST(AutogradDense, MlpMatchesTheUnfusedLayersBitwise) {
  // Mlp::forward runs fused layers; the same parameters through linear + tanh / relu must give
  // the same output and parameter gradients, and Mlp::infer the same output. With
  // activate_output (a trunk), the output layer's activation is fused too.
  for (bool activate_output : {false, true}) {
    for (Activation act : {Activation::tanh, Activation::relu}) {
      nn::Rng rng(7);
      nn::MlpConfig config{{6, 32, 32, 3}, act};
      config.activate_output = activate_output;
      nn::Mlp mlp(config, rng);
      nn::Tensor x = nn::Tensor::from_vector(random_values(20 * 6, 61, 1.0f), {20, 6});
      std::vector<std::vector<float>> grads[2];
      std::vector<float> outputs[2];
      for (int fused = 0; fused < 2; ++fused) {
        for (nn::Tensor& p : mlp.parameters()) p.zero_grad();
        nn::Tape tape;
        nn::TapeScope scope(tape);
        nn::Tensor y;
        if (fused) {
          y = mlp.forward(x);
        } else {
          y = x;
          for (std::size_t i = 0; i < mlp.layers().size(); ++i) {
            const nn::Linear& l = mlp.layers()[i];
            y = nn::linear(y, l.weight(), l.bias());
            if (i + 1 == mlp.layers().size() && !activate_output) break;
            y = act == Activation::tanh ? nn::tanh(y) : nn::relu(y);
          }
        }
        outputs[fused] = y.to_vector();
        nn::sum(nn::square(y)).backward();
        for (const nn::Tensor& p : mlp.parameters())
          grads[fused].push_back(p.grad_tensor().to_vector());
      }
      std::string where;
      EXPECT_TRUE(same_bits(outputs[1], outputs[0], &where))
          << name_of(act) << " output: " << where;
      for (std::size_t i = 0; i < grads[0].size(); ++i) {
        EXPECT_TRUE(same_bits(grads[1][i], grads[0][i], &where))
            << name_of(act) << " gradient of parameter " << i << ": " << where;
      }
      std::vector<float> inferred(20 * 3), workspace;
      mlp.infer(x.data(), 20, inferred.data(), workspace);
      EXPECT_TRUE(same_bits(inferred, outputs[0], &where)) << name_of(act) << " infer: " << where;
      // Row by row (the acting route of the kernel).
      for (int r = 0; r < 20; ++r) {
        std::vector<float> one(3);
        mlp.infer(x.data() + r * 6, 1, one.data(), workspace);
        const std::vector<float> expected(outputs[0].begin() + r * 3,
                                          outputs[0].begin() + r * 3 + 3);
        EXPECT_TRUE(same_bits(one, expected, &where))
            << name_of(act) << " infer of row " << r << " alone: " << where;
      }
    }
  }
}

// ---- fresh gradient buffers -------------------------------------------------------------------

TEST(FreshGradient, ReadsAsZerosAfterTheArenaHeldOtherValues) {
  // The arena is reused without clearing: a gradient no backward reached must still read as
  // zeros, even where the previous recording left gradients in that memory.
  nn::Tensor x = nn::Tensor::from_vector({1, 2, 3, 4}, {2, 2}).set_requires_grad();
  nn::Tensor w = nn::Tensor::from_vector({0.5f, -1, 2, 0.25f}, {2, 2}).set_requires_grad();
  nn::Tape tape;
  for (int round = 0; round < 2; ++round) {
    nn::TapeScope scope(tape);
    nn::Tensor h = nn::dense(x, w, nn::Tensor(), Activation::tanh);
    nn::Tensor unused = nn::dense(h, w, nn::Tensor(), Activation::none);
    nn::Tensor loss = round == 0 ? nn::sum(nn::square(unused)) : nn::sum(h);
    loss.backward();
    if (round == 1) {
      for (float g : unused.grad_tensor().to_vector()) EXPECT_EQ(g, 0.0f) << "stale gradient";
    }
  }
}

TEST(FreshGradient, WritingTheFirstContributionGivesTheBitsOfAddingIt) {
  // h's gradient is written by the first backward to reach it (tanh's, relu's or add's) in the
  // plain graph; in the other graph an extra h * 0 term, recorded last and so run first, has
  // already touched it, and the same contribution is added. Every parameter gradient must agree
  // bit for bit, including saturated tanh (signed-zero terms).
  for (int op = 0; op < 3; ++op) {
    std::vector<float> grads[2];
    for (int touched = 0; touched < 2; ++touched) {
      nn::Tensor x = nn::Tensor::from_vector(random_values(24 * 5, 71, 1.0f), {24, 5});
      nn::Tensor w = nn::Tensor::from_vector(random_values(5 * 7, 72, 30.0f), {5, 7});
      nn::Tensor b = nn::Tensor::from_vector(random_values(7, 73, 1.0f), {7});
      w.set_requires_grad();
      b.set_requires_grad();
      nn::Tape tape;
      nn::TapeScope scope(tape);
      nn::Tensor h = nn::linear(x, w, b);
      nn::Tensor shift = nn::Tensor::from_vector(random_values(24 * 7, 75, 1.0f), {24, 7});
      nn::Tensor y = op == 0 ? nn::tanh(h) : op == 1 ? nn::relu(h) : h + shift;
      nn::Tensor loss =
          nn::sum(y * nn::Tensor::from_vector(random_values(24 * 7, 74, 1.0f), {24, 7}));
      if (touched) loss = loss + nn::sum(h * 0.0f);
      loss.backward();
      grads[touched] = h.grad_tensor().to_vector();  // signed zeros included
      for (float g : w.grad_tensor().to_vector()) grads[touched].push_back(g);
      for (float g : b.grad_tensor().to_vector()) grads[touched].push_back(g);
    }
    std::string where;
    EXPECT_TRUE(same_bits(grads[0], grads[1], &where)) << "op " << op << ": " << where;
  }
}

}  // namespace
