// Shape ops: reshape (a view, no copy), concat and slice (copies).
#include <cstring>

#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/ops/op_support.hpp"

namespace nn {
namespace {

// dst = src. Short runs (the 1-2 columns a slice takes from each row of a policy/value head) are
// copied in a plain loop: a library call per row cost more than the copy itself.
void copy_floats(float* dst, const float* src, int64_t n) {
  if (n < 16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
  } else {
    std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
  }
}

// dst += src. Short runs (e.g. the 1-2 columns of a policy/value head) are added in a plain
// loop: the same IEEE additions as the kernel, without a dispatched call per row.
void add_into(float* dst, const float* src, int64_t n) {
  if (n < 16) {
    for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
  } else {
    kernels::acc(src, dst, n);
  }
}

// What each op keeps for its backward pass (Node::args).
struct ConcatArgs {
  int dim;
  int32_t first_part, parts;  // the parts are tape->extra_input(first_part, +1, ...)
};
struct SliceArgs {
  int dim;
  int64_t start;
};

// Part p occupies columns [offset_p, offset_p + d_p) of each [outer, D * inner] row block.
void concat_backward(const Node& node) {
  const Tape* tape = node.tape;
  const ConcatArgs& args = node.args<ConcatArgs>();
  const int dim = args.dim;
  const Shape& out_shape = node.out.shape();
  int64_t outer = out_shape.outer(dim), inner = out_shape.inner(dim), total = out_shape[dim];
  const float* g = node.out.grad();
  int64_t offset = 0;
  for (int32_t p = 0; p < args.parts; ++p) {
    const Tensor& part = tape->extra_input(args.first_part + p);
    int64_t d = part.shape()[dim];
    if (part.requires_grad()) {
      float* dp = const_cast<Tensor&>(part).grad();
      for (int64_t o = 0; o < outer; ++o)
        add_into(dp + o * d * inner, g + (o * total + offset) * inner, d * inner);
    }
    offset += d;
  }
}

void slice_backward(const Node& node) {
  const SliceArgs& args = node.args<SliceArgs>();
  const int dim = args.dim;
  const Shape& in_shape = node.in[0].shape();
  int64_t outer = in_shape.outer(dim), inner = in_shape.inner(dim), total = in_shape[dim];
  int64_t start = args.start, len = node.out.shape()[dim];
  const float* g = node.out.grad();
  float* dx = const_cast<Tensor&>(node.in[0]).grad();
  for (int64_t o = 0; o < outer; ++o)
    add_into(dx + (o * total + start) * inner, g + o * len * inner, len * inner);
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  detail::check_defined(x, "reshape", "x");
  if (shape.numel() != x.numel()) {
    detail::shape_error("reshape", "cannot view shape " + x.shape().to_string() + " (" +
                                       std::to_string(x.numel()) + " elements) as " +
                                       shape.to_string());
  }
  // Same memory, same gradient buffer: gradients flow through without a node. Under NoGradGuard
  // the view carries no gradient, like the result of any other op there.
  Tensor view = TensorAccess::with_shape(x, shape);
  return grad_enabled() ? view : view.detach();
}

Tensor concat(const std::vector<Tensor>& parts, int dim) {
  if (parts.empty()) throw phantom::ValueError("concat: no tensors given");
  for (const Tensor& p : parts) detail::check_defined(p, "concat", "parts");
  const Shape& first = parts[0].shape();
  int d = first.normalize_dim(dim, "concat");
  int64_t total = 0;
  bool grad = false;
  for (const Tensor& p : parts) {
    const Shape& s = p.shape();
    if (s.rank() != first.rank() || s.with_dim(d, 0) != first.with_dim(d, 0)) {
      detail::shape_error("concat", "shapes " + first.to_string() + " and " + s.to_string() +
                                        " differ outside dimension " + std::to_string(d));
    }
    total += s[d];
    grad = grad || detail::needs_grad(p);
  }
  Tensor out = detail::make_output(first.with_dim(d, total), grad);
  int64_t outer = first.outer(d), inner = first.inner(d), offset = 0;
  float* dst = out.data();
  for (const Tensor& p : parts) {
    int64_t w = p.shape()[d] * inner;
    const float* src = p.data();
    for (int64_t o = 0; o < outer; ++o)
      copy_floats(dst + (o * total * inner) + offset * inner, src + o * w, w);
    offset += p.shape()[d];
  }
  if (grad) {
    Tape* tape = Tape::current();
    int32_t begin = -1;
    for (const Tensor& p : parts) {
      int32_t i = tape->add_extra_input(p);
      if (begin < 0) begin = i;
    }
    Node& node = detail::record(concat_backward, "concat", out);
    tape->set_args(node, ConcatArgs{d, begin, static_cast<int32_t>(parts.size())});
  }
  return out;
}

Tensor slice(const Tensor& x, int dim, int64_t start, int64_t length) {
  detail::check_defined(x, "slice", "x");
  int d = x.shape().normalize_dim(dim, "slice");
  int64_t extent = x.shape()[d];
  if (start < 0 || length < 0 || start + length > extent) {
    detail::shape_error("slice", "range [" + std::to_string(start) + ", " +
                                     std::to_string(start + length) + ") is outside dimension " +
                                     std::to_string(d) + " of shape " + x.shape().to_string());
  }
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(x.shape().with_dim(d, length), grad);
  int64_t outer = x.shape().outer(d), inner = x.shape().inner(d);
  const float* src = x.data();
  float* dst = out.data();
  for (int64_t o = 0; o < outer; ++o)
    copy_floats(dst + o * length * inner, src + (o * extent + start) * inner, length * inner);
  if (grad) {
    Node& node = detail::record(slice_backward, "slice", out);
    node.in[0] = x;
    node.tape->set_args(node, SliceArgs{d, start});
  }
  return out;
}

}  // namespace nn
