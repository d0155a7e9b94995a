// Reductions: sum and mean (of everything or along one dimension), max along a dimension, and
// argmax. Along a dimension, a tensor is seen as [outer, d, inner]: the reduced dimension in the
// middle, everything before it as `outer`, everything after as `inner`.
#include <cstring>

#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/ops/op_support.hpp"

namespace nn {
namespace {

namespace k = nn::kernels;

float* grad_of(const Tensor& t) {
  return const_cast<Tensor&>(t).grad();
}

// The arguments each reduction keeps for its backward pass (Node::args).
struct SumArgs {  // sum or mean along `dim` (-1: of everything): out = scale * sum
  int dim;
  float scale;  // 1 for a sum, 1 / n for a mean
};
struct MaxArgs {
  int dim;
  const int64_t* winners;  // arena: the position that won, for each output
};

// out = sum(x) * scale (scale = 1 for sum, 1/n for mean): dx += g * scale.
void sum_all_backward(const Node& node) {
  float g = node.out.grad()[0] * node.args<SumArgs>().scale;
  float* dx = grad_of(node.in[0]);
  k::add_scalar(dx, g, dx, node.in[0].numel());
}

struct DimView {
  int64_t outer, d, inner;
};
DimView view_of(const Shape& s, int dim) {
  return {s.outer(dim), s[dim], s.inner(dim)};
}

// out[o, i] = scale * sum_j x[o, j, i]  =>  dx[o, j, i] += scale * g[o, i]
void sum_dim_backward(const Node& node) {
  const SumArgs& args = node.args<SumArgs>();
  DimView v = view_of(node.in[0].shape(), args.dim);
  const float* g = node.out.grad();
  float* dx = grad_of(node.in[0]);
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t j = 0; j < v.d; ++j) {
      float* row = dx + (o * v.d + j) * v.inner;
      if (args.scale == 1.0f) {
        k::acc(g + o * v.inner, row, v.inner);
      } else {
        k::acc_scaled(g + o * v.inner, args.scale, row, v.inner);
      }
    }
  }
}

Tensor reduce_all(const char* op, const Tensor& x, bool mean) {
  detail::check_defined(x, op, "x");
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(Shape{}, grad);
  int64_t n = x.numel();
  float s = k::sum(x.data(), n);
  out.data()[0] = mean ? s / static_cast<float>(n) : s;
  if (grad) {
    Node& node = detail::record(sum_all_backward, op, out);
    node.in[0] = x;
    node.tape->set_args(node, SumArgs{-1, mean ? 1.0f / static_cast<float>(n) : 1.0f});
  }
  return out;
}

Tensor reduce_dim(const char* op, const Tensor& x, int dim, bool keepdim, bool mean) {
  detail::check_defined(x, op, "x");
  int d = x.shape().normalize_dim(dim, op);
  DimView v = view_of(x.shape(), d);
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(x.shape().reduced(d, keepdim), grad);
  const float* src = x.data();
  float* dst = out.data();
  if (v.inner == 1) {
    // Contiguous rows: the kernel's fixed-order sum.
    for (int64_t o = 0; o < v.outer; ++o) dst[o] = k::sum(src + o * v.d, v.d);
  } else {
    // Strided: add the d slices in increasing j, vectorised across `inner`.
    std::memset(dst, 0, static_cast<std::size_t>(out.numel()) * sizeof(float));
    for (int64_t o = 0; o < v.outer; ++o)
      k::col_sum_acc(src + o * v.d * v.inner, v.d, v.inner, dst + o * v.inner);
  }
  float scale = 1.0f;
  if (mean) {
    scale = 1.0f / static_cast<float>(v.d);
    for (int64_t i = 0; i < out.numel(); ++i) dst[i] = dst[i] / static_cast<float>(v.d);
  }
  if (grad) {
    Node& node = detail::record(sum_dim_backward, op, out);
    node.in[0] = x;
    node.tape->set_args(node, SumArgs{d, scale});
  }
  return out;
}

// The gradient of a max goes to the position that won.
void max_dim_backward(const Node& node) {
  const MaxArgs& args = node.args<MaxArgs>();
  DimView v = view_of(node.in[0].shape(), args.dim);
  const float* g = node.out.grad();
  const int64_t* arg = args.winners;
  float* dx = grad_of(node.in[0]);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i)
      dx[(o * v.d + arg[o * v.inner + i]) * v.inner + i] += g[o * v.inner + i];
}

}  // namespace

Tensor sum(const Tensor& x) {
  return reduce_all("sum", x, false);
}
Tensor mean(const Tensor& x) {
  return reduce_all("mean", x, true);
}
Tensor sum(const Tensor& x, int dim, bool keepdim) {
  return reduce_dim("sum", x, dim, keepdim, false);
}
Tensor mean(const Tensor& x, int dim, bool keepdim) {
  return reduce_dim("mean", x, dim, keepdim, true);
}

Tensor max(const Tensor& x, int dim, bool keepdim) {
  detail::check_defined(x, "max", "x");
  int d = x.shape().normalize_dim(dim, "max");
  DimView v = view_of(x.shape(), d);
  if (v.d == 0) detail::shape_error("max", "cannot take the max over an empty dimension");
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(x.shape().reduced(d, keepdim), grad);
  int64_t* arg = nullptr;
  if (grad) {
    arg = static_cast<int64_t*>(
        Tape::current()->allocate_bytes(static_cast<std::size_t>(out.numel()) * sizeof(int64_t)));
  }
  const float* src = x.data();
  float* dst = out.data();
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t i = 0; i < v.inner; ++i) {
      const float* p = src + o * v.d * v.inner + i;
      int64_t best = 0;
      for (int64_t j = 1; j < v.d; ++j)
        if (p[j * v.inner] > p[best * v.inner]) best = j;
      dst[o * v.inner + i] = p[best * v.inner];
      if (arg) arg[o * v.inner + i] = best;
    }
  }
  if (grad) {
    Node& node = detail::record(max_dim_backward, "max", out);
    node.in[0] = x;
    node.tape->set_args(node, MaxArgs{d, arg});
  }
  return out;
}

Tensor argmax(const Tensor& x) {
  detail::check_defined(x, "argmax", "x");
  if (x.rank() < 1 || x.dim(-1) == 0) {
    detail::shape_error("argmax",
                        "expected a non-empty last dimension, got shape " + x.shape().to_string());
  }
  int64_t cols = x.dim(-1), rows = x.numel() / cols;
  Tensor out = detail::make_output(x.shape().reduced(x.rank() - 1, false), false);
  const float* src = x.data();
  float* dst = out.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = src + r * cols;
    int64_t best = 0;
    for (int64_t c = 1; c < cols; ++c)
      if (row[c] > row[best]) best = c;
    dst[r] = static_cast<float>(best);
  }
  return out;
}

}  // namespace nn
