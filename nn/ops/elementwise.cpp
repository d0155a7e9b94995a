// Elementwise ops: binary (with broadcasting), with a constant, and unary maps.
//
// Forward: out = f(a, b) per element. Backward: each input gets d out / d input * out.grad, and
// an input that was broadcast (a single element, or a row repeated over every row) receives the
// sum of its per-element contributions over the positions it was repeated to.
#include <cstdint>

#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/ops/op_support.hpp"

namespace nn {
namespace {

namespace k = nn::kernels;
using detail::scratch;

// ---- Broadcasting ----------------------------------------------------------------------------

// How an operand covers the output: as is, as one repeated element, or as a repeated row.
enum Bcast : int { kSame = 0, kScalar = 1, kRow = 2 };

bool is_row_of(const Tensor& small, const Tensor& big) {
  if (big.rank() < 1 || small.numel() != big.dim(-1)) return false;
  return small.rank() == 1 || (small.rank() == 2 && small.dim(0) == 1);
}

struct BinaryPlan {
  Shape out;
  Bcast a = kSame, b = kSame;
};

// The arguments each op family keeps for its backward pass (Node::args).
struct BroadcastArgs {  // a binary op: how each input was broadcast to the output
  Bcast a, b;
};
struct ConstantArgs {  // x (op) s
  float s;
};
struct ClampArgs {
  float lo, hi;
};

BinaryPlan plan_binary(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_defined(a, op, "a");
  detail::check_defined(b, op, "b");
  if (a.shape() == b.shape()) return {a.shape(), kSame, kSame};
  if (b.numel() == 1) return {a.shape(), kSame, kScalar};
  if (a.numel() == 1) return {b.shape(), kScalar, kSame};
  if (is_row_of(b, a)) return {a.shape(), kSame, kRow};
  if (is_row_of(a, b)) return {b.shape(), kRow, kSame};
  detail::shape_error(op, "cannot broadcast shapes " + a.shape().to_string() + " and " +
                              b.shape().to_string() +
                              "; expected equal shapes, a single element, or a row vector whose "
                              "length is the other's last dimension");
}

// The operand's values laid out at full output size (copied to scratch `slot` if broadcast).
const float* expand(const Tensor& t, Bcast kind, int64_t n, int slot) {
  if (kind == kSame) return t.data();
  float* buf = scratch(slot, n);
  const float* src = t.data();
  int64_t width = t.numel();
  if (kind == kScalar) {
    for (int64_t i = 0; i < n; ++i) buf[i] = src[0];
  } else {
    for (int64_t r = 0; r < n; r += width)
      for (int64_t c = 0; c < width; ++c) buf[r + c] = src[c];
  }
  return buf;
}

// Adds a full-size gradient contribution into `x`'s gradient, summing over broadcast positions.
// A fresh gradient (nothing added yet) receives a same-shape contribution as contrib + 0, the
// bits of adding it to a cleared buffer, without clearing it first.
void give(const Tensor& x, Bcast kind, const float* contrib, int64_t n) {
  if (kind == kSame) {
    bool assign = false;
    float* g = TensorAccess::grad_for_contribution(x, &assign);
    if (assign) {
      k::add_scalar(contrib, 0.0f, g, n);
    } else {
      k::acc(contrib, g, n);
    }
    return;
  }
  float* g = const_cast<Tensor&>(x).grad();
  if (kind == kScalar) {
    g[0] += k::sum(contrib, n);
  } else if (x.numel() > 0) {  // an empty row ([0] against [R, 0]) receives nothing
    k::col_sum_acc(contrib, n / x.numel(), x.numel(), g);
  }
}

float* grad_of(const Tensor& t) {
  return const_cast<Tensor&>(t).grad();
}

using BinaryKernel = void (*)(const float*, const float*, float*, int64_t);

Tensor binary_op(const char* op, BinaryKernel kernel, Node::BackwardFn backward, const Tensor& a,
                 const Tensor& b) {
  BinaryPlan plan = plan_binary(op, a, b);
  bool grad = detail::needs_grad(a, b);
  Tensor out = detail::make_output(plan.out, grad);
  int64_t n = out.numel();
  const float* ea = expand(a, plan.a, n, 0);
  const float* eb = expand(b, plan.b, n, 1);
  float* y = out.data();
  detail::for_elements(n,
                       [&](int64_t lo, int64_t hi) { kernel(ea + lo, eb + lo, y + lo, hi - lo); });
  if (grad) {
    Node& node = detail::record(backward, op, out);
    node.in[0] = a;
    node.in[1] = b;
    node.tape->set_args(node, BroadcastArgs{plan.a, plan.b});
  }
  return out;
}

Bcast kind_a(const Node& n) {
  return n.args<BroadcastArgs>().a;
}
Bcast kind_b(const Node& n) {
  return n.args<BroadcastArgs>().b;
}

// ---- Binary backward functions -----------------------------------------------------------------

// d(a + b) = da + db
void add_backward(const Node& node) {
  const float* g = node.out.grad();
  int64_t n = node.out.numel();
  if (node.in[0].requires_grad()) give(node.in[0], kind_a(node), g, n);
  if (node.in[1].requires_grad()) give(node.in[1], kind_b(node), g, n);
}

// d(a - b) = da - db
void sub_backward(const Node& node) {
  const float* g = node.out.grad();
  int64_t n = node.out.numel();
  if (node.in[0].requires_grad()) give(node.in[0], kind_a(node), g, n);
  if (node.in[1].requires_grad()) {
    float* neg_g = scratch(2, n);
    k::mul_scalar(g, -1.0f, neg_g, n);
    give(node.in[1], kind_b(node), neg_g, n);
  }
}

// d(a * b) = b da + a db
void mul_backward(const Node& node) {
  const float* g = node.out.grad();
  int64_t n = node.out.numel();
  const Tensor &a = node.in[0], &b = node.in[1];
  if (a.requires_grad()) {
    const float* eb = expand(b, kind_b(node), n, 0);
    if (kind_a(node) == kSame) {
      k::acc_mul(g, eb, grad_of(a), n);
    } else {
      float* t = scratch(2, n);
      k::mul(g, eb, t, n);
      give(a, kind_a(node), t, n);
    }
  }
  if (b.requires_grad()) {
    const float* ea = expand(a, kind_a(node), n, 0);
    if (kind_b(node) == kSame) {
      k::acc_mul(g, ea, grad_of(b), n);
    } else {
      float* t = scratch(2, n);
      k::mul(g, ea, t, n);
      give(b, kind_b(node), t, n);
    }
  }
}

// d(a / b) = da / b - (a / b^2) db = da / b - (out / b) db
void div_backward(const Node& node) {
  const float* g = node.out.grad();
  int64_t n = node.out.numel();
  const Tensor &a = node.in[0], &b = node.in[1];
  const float* eb = expand(b, kind_b(node), n, 0);
  if (a.requires_grad()) {
    if (kind_a(node) == kSame) {
      k::acc_div(g, eb, grad_of(a), n);
    } else {
      float* t = scratch(2, n);
      k::div(g, eb, t, n);
      give(a, kind_a(node), t, n);
    }
  }
  if (b.requires_grad()) {
    float* t = scratch(2, n);
    k::mul(g, node.out.data(), t, n);
    k::div(t, eb, t, n);
    k::mul_scalar(t, -1.0f, t, n);
    give(b, kind_b(node), t, n);
  }
}

// min/max: the gradient goes to the selected operand; a tie splits it half-half.
template <bool kIsMax>
void select_backward(const Node& node) {
  const float* g = node.out.grad();
  int64_t n = node.out.numel();
  const float* ea = expand(node.in[0], kind_a(node), n, 0);
  const float* eb = expand(node.in[1], kind_b(node), n, 1);
  for (int side = 0; side < 2; ++side) {
    const Tensor& x = node.in[side];
    if (!x.requires_grad()) continue;
    float* t = scratch(2, n);
    for (int64_t i = 0; i < n; ++i) {
      float mine = side == 0 ? ea[i] : eb[i], other = side == 0 ? eb[i] : ea[i];
      bool wins = kIsMax ? mine > other : mine < other;
      t[i] = wins ? g[i] : (mine == other ? 0.5f * g[i] : 0.0f);
    }
    give(x, side == 0 ? kind_a(node) : kind_b(node), t, n);
  }
}

// ---- Unary ops ---------------------------------------------------------------------------------

using UnaryKernel = void (*)(const float*, float*, int64_t);

Tensor unary_op(const char* op, UnaryKernel kernel, Node::BackwardFn backward, const Tensor& x) {
  detail::check_defined(x, op, "x");
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(x.shape(), grad);
  const float* xs = x.data();
  float* y = out.data();
  detail::for_elements(x.numel(),
                       [&](int64_t lo, int64_t hi) { kernel(xs + lo, y + lo, hi - lo); });
  if (grad) detail::record(backward, op, out).in[0] = x;
  return out;
}

struct UnaryArgs {
  const float* g;  // out.grad
  const float* x;  // input values
  const float* y;  // output values
  float* dx;       // input gradient
  int64_t n;
};
UnaryArgs unary_args(const Node& node) {
  return {node.out.grad(), node.in[0].data(), node.out.data(), grad_of(node.in[0]),
          node.out.numel()};
}

void neg_backward(const Node& node) {  // d(-x) = -dx
  UnaryArgs u = unary_args(node);
  k::acc_scaled(u.g, -1.0f, u.dx, u.n);
}
void exp_backward(const Node& node) {  // d exp(x) = exp(x) dx
  UnaryArgs u = unary_args(node);
  k::acc_mul(u.g, u.y, u.dx, u.n);
}
void log_backward(const Node& node) {  // d log(x) = dx / x
  UnaryArgs u = unary_args(node);
  k::acc_div(u.g, u.x, u.dx, u.n);
}
// The activation backward kernels take (dy, value, dx, n); large ones are split over threads.
using ActivationBackward = void (*)(const float*, const float*, float*, int64_t);
void activation_backward(const UnaryArgs& u, const float* value, ActivationBackward kernel) {
  detail::for_elements(
      u.n, [&](int64_t lo, int64_t hi) { kernel(u.g + lo, value + lo, u.dx + lo, hi - lo); });
}
// tanh and relu: a fresh dx (nothing added yet) is written with the dense layer's fold, which
// computes exactly the term these kernels would add to a cleared buffer, plus 0 (so the same
// bits); relu's fold tests y > 0, true exactly where x > 0.
void fold_or_add(const Node& node, const float* value, ActivationBackward add, Activation act) {
  bool assign = false;
  float* dx = TensorAccess::grad_for_contribution(node.in[0], &assign);
  const float* g = node.out.grad();
  const float* y = node.out.data();
  detail::for_elements(node.out.numel(), [&](int64_t lo, int64_t hi) {
    if (assign) {
      k::dense_fold(g + lo, y + lo, 1, hi - lo, act, dx + lo, nullptr);
    } else {
      add(g + lo, value + lo, dx + lo, hi - lo);
    }
  });
}
void tanh_backward(const Node& node) {  // d tanh(x) = (1 - tanh(x)^2) dx
  fold_or_add(node, node.out.data(), k::tanh_backward, Activation::tanh);
}
void relu_backward(const Node& node) {  // d relu(x) = [x > 0] dx
  fold_or_add(node, node.in[0].data(), k::relu_backward, Activation::relu);
}
void sigmoid_backward(const Node& node) {  // d sigmoid(x) = s (1 - s) dx
  UnaryArgs u = unary_args(node);
  activation_backward(u, u.y, k::sigmoid_backward);
}
void softplus_backward(const Node& node) {  // d softplus(x) = sigmoid(x) dx
  UnaryArgs u = unary_args(node);
  float* s = scratch(0, u.n);
  k::sigmoid(u.x, s, u.n);
  k::acc_mul(u.g, s, u.dx, u.n);
}
void square_backward(const Node& node) {  // d x^2 = 2 x dx
  UnaryArgs u = unary_args(node);
  float* two_x = scratch(0, u.n);
  k::add(u.x, u.x, two_x, u.n);
  k::acc_mul(u.g, two_x, u.dx, u.n);
}
void sqrt_backward(const Node& node) {  // d sqrt(x) = dx / (2 sqrt(x))
  UnaryArgs u = unary_args(node);
  float* two_y = scratch(0, u.n);
  k::add(u.y, u.y, two_y, u.n);
  k::acc_div(u.g, two_y, u.dx, u.n);
}
void neg_kernel(const float* x, float* out, int64_t n) {
  k::mul_scalar(x, -1.0f, out, n);
}

// ---- With a constant ---------------------------------------------------------------------------

void add_scalar_backward(const Node& node) {  // d(x + s) = dx
  UnaryArgs u = unary_args(node);
  k::acc(u.g, u.dx, u.n);
}
void mul_scalar_backward(const Node& node) {  // d(s x) = s dx
  UnaryArgs u = unary_args(node);
  k::acc_scaled(u.g, node.args<ConstantArgs>().s, u.dx, u.n);
}
void clamp_backward(const Node& node) {  // passes where lo <= x <= hi
  UnaryArgs u = unary_args(node);
  const ClampArgs& bounds = node.args<ClampArgs>();
  for (int64_t i = 0; i < u.n; ++i)
    if (u.x[i] >= bounds.lo && u.x[i] <= bounds.hi) u.dx[i] += u.g[i];
}

// x (op) s with a constant s, kept in ConstantArgs for the backward pass.
using ConstantKernel = void (*)(const float*, float, float*, int64_t);
Tensor with_constant(const char* op, ConstantKernel kernel, Node::BackwardFn backward,
                     const Tensor& x, float s) {
  detail::check_defined(x, op, "x");
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(x.shape(), grad);
  const float* xs = x.data();
  float* y = out.data();
  detail::for_elements(x.numel(),
                       [&](int64_t lo, int64_t hi) { kernel(xs + lo, s, y + lo, hi - lo); });
  if (grad) {
    Node& node = detail::record(backward, op, out);
    node.in[0] = x;
    node.tape->set_args(node, ConstantArgs{s});
  }
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  return binary_op("add", k::add, add_backward, a, b);
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary_op("sub", k::sub, sub_backward, a, b);
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary_op("mul", k::mul, mul_backward, a, b);
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary_op("div", k::div, div_backward, a, b);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary_op("minimum", k::minimum, select_backward<false>, a, b);
}
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary_op("maximum", k::maximum, select_backward<true>, a, b);
}

Tensor neg(const Tensor& x) {
  return unary_op("neg", neg_kernel, neg_backward, x);
}
Tensor exp(const Tensor& x) {
  return unary_op("exp", k::exp, exp_backward, x);
}
Tensor log(const Tensor& x) {
  return unary_op("log", k::log, log_backward, x);
}
Tensor tanh(const Tensor& x) {
  return unary_op("tanh", k::tanh, tanh_backward, x);
}
Tensor relu(const Tensor& x) {
  return unary_op("relu", k::relu, relu_backward, x);
}
Tensor sigmoid(const Tensor& x) {
  return unary_op("sigmoid", k::sigmoid, sigmoid_backward, x);
}
Tensor softplus(const Tensor& x) {
  return unary_op("softplus", k::softplus, softplus_backward, x);
}
Tensor square(const Tensor& x) {
  return unary_op("square", k::square, square_backward, x);
}
Tensor sqrt(const Tensor& x) {
  return unary_op("sqrt", k::sqrt, sqrt_backward, x);
}

Tensor add_scalar(const Tensor& x, float s) {
  return with_constant("add_scalar", k::add_scalar, add_scalar_backward, x, s);
}

Tensor mul_scalar(const Tensor& x, float s) {
  return with_constant("mul_scalar", k::mul_scalar, mul_scalar_backward, x, s);
}

Tensor clamp(const Tensor& x, float lo, float hi) {
  detail::check_defined(x, "clamp", "x");
  if (!(lo <= hi)) {
    throw phantom::ValueError("clamp: lower bound " + std::to_string(lo) +
                              " is above upper bound " + std::to_string(hi));
  }
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(x.shape(), grad);
  k::clamp(x.data(), lo, hi, out.data(), x.numel());
  if (grad) {
    Node& node = detail::record(clamp_backward, "clamp", out);
    node.in[0] = x;
    node.tape->set_args(node, ClampArgs{lo, hi});
  }
  return out;
}

}  // namespace nn
