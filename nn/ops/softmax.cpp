// Softmax and log-softmax along the last dimension (rows of a [rows, cols] view).
//
// softmax:     y = exp(x - max) / sum(exp(x - max))      dx = y * (g - sum(g * y))
// log_softmax: y = x - max - log(sum(exp(x - max)))      dx = g - exp(y) * sum(g)
#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/ops/op_support.hpp"

namespace nn {
namespace {

namespace k = nn::kernels;
using detail::scratch;

struct Rows {
  int64_t rows, cols;
};
Rows rows_of(const Tensor& t) {
  return {t.numel() / t.dim(-1), t.dim(-1)};
}

void softmax_backward(const Node& node) {
  Rows r = rows_of(node.out);
  const float* y = node.out.data();
  const float* g = node.out.grad();
  float* dx = const_cast<Tensor&>(node.in[0]).grad();
  float* t = scratch(0, r.cols);
  for (int64_t i = 0; i < r.rows; ++i) {
    int64_t off = i * r.cols;
    k::mul(g + off, y + off, t, r.cols);
    float dot = k::sum(t, r.cols);
    k::add_scalar(g + off, -dot, t, r.cols);
    k::acc_mul(y + off, t, dx + off, r.cols);
  }
}

void log_softmax_backward(const Node& node) {
  Rows r = rows_of(node.out);
  const float* y = node.out.data();
  const float* g = node.out.grad();
  float* dx = const_cast<Tensor&>(node.in[0]).grad();
  // dx += g - exp(y) * sum(g row): one kernel call for all rows.
  k::log_softmax_backward_rows(g, y, r.rows, r.cols, dx);
}

using RowKernel = void (*)(const float*, int64_t, int64_t, float*);

Tensor softmax_like(const char* op, RowKernel kernel, Node::BackwardFn backward, const Tensor& x,
                    int dim) {
  detail::check_defined(x, op, "x");
  int d = x.shape().normalize_dim(dim, op);
  if (d != x.rank() - 1) {
    detail::shape_error(op, "only the last dimension is supported (got dim " + std::to_string(dim) +
                                " for shape " + x.shape().to_string() + ")");
  }
  if (x.dim(-1) == 0) detail::shape_error(op, "the last dimension is empty");
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(x.shape(), grad);
  Rows r = rows_of(x);
  kernel(x.data(), r.rows, r.cols, out.data());
  if (grad) detail::record(backward, op, out).in[0] = x;
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, int dim) {
  return softmax_like("softmax", k::softmax_rows, softmax_backward, x, dim);
}
Tensor log_softmax(const Tensor& x, int dim) {
  return softmax_like("log_softmax", k::log_softmax_rows, log_softmax_backward, x, dim);
}

}  // namespace nn
