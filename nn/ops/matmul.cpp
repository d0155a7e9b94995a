// Matrix products: matmul (with optional transposes) and linear (x @ w + b in one node).
//
// For C = op(A) op(B) the gradients are d op(A) = dC op(B)^T and d op(B) = op(A)^T dC; when an
// operand is stored transposed, its stored gradient is the transpose of that. Every product below
// is a gemm that accumulates straight into the gradient buffer (no temporaries).
#include <cstring>

#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/ops/op_support.hpp"

namespace nn {
namespace {

namespace k = nn::kernels;

int as_int(int64_t v) {
  return static_cast<int>(v);
}

// What matmul keeps for its backward pass (Node::args).
struct MatmulArgs {
  bool trans_a, trans_b;
};

// a is stored [M, K] (or [K, M] if trans_a); b is stored [K, N] (or [N, K] if trans_b).
void matmul_backward(const Node& node) {
  const Tensor &a = node.in[0], &b = node.in[1];
  const bool ta = node.args<MatmulArgs>().trans_a, tb = node.args<MatmulArgs>().trans_b;
  int m = as_int(node.out.dim(0)), n = as_int(node.out.dim(1));
  int kk = as_int(ta ? a.dim(0) : a.dim(1));
  int lda = as_int(a.dim(1)), ldb = as_int(b.dim(1));
  const float* dc = node.out.grad();
  if (a.requires_grad()) {
    float* da = const_cast<Tensor&>(a).grad();
    if (!ta) {
      k::gemm(false, !tb, m, kk, n, dc, n, b.data(), ldb, da, kk, true);  // dA = dC op(B)^T
    } else {
      k::gemm(tb, true, kk, m, n, b.data(), ldb, dc, n, da, m, true);  // dA = op(B) dC^T
    }
  }
  if (b.requires_grad()) {
    float* db = const_cast<Tensor&>(b).grad();
    if (!tb) {
      k::gemm(!ta, false, kk, n, m, a.data(), lda, dc, n, db, n, true);  // dB = op(A)^T dC
    } else {
      k::gemm(true, ta, n, kk, m, dc, n, a.data(), lda, db, kk, true);  // dB = dC^T op(A)
    }
  }
}

// x is [rows, in], w is [in, out], b is [out] (optional).
void linear_backward(const Node& node) {
  const Tensor &x = node.in[0], &w = node.in[1], &b = node.in[2];
  int out_f = as_int(w.dim(1)), in_f = as_int(w.dim(0));
  int rows = as_int(x.shape().outer(x.rank() - 1));  // not numel / in: in may be 0
  const float* dy = node.out.grad();
  if (x.requires_grad()) {  // dx = dy w^T
    k::gemm(false, true, rows, in_f, out_f, dy, out_f, w.data(), out_f,
            const_cast<Tensor&>(x).grad(), in_f, true);
  }
  if (w.requires_grad()) {  // dw = x^T dy
    k::gemm(true, false, in_f, out_f, rows, x.data(), in_f, dy, out_f,
            const_cast<Tensor&>(w).grad(), out_f, true);
  }
  if (b.defined() && b.requires_grad()) {  // db = column sums of dy
    k::col_sum_acc(dy, rows, out_f, const_cast<Tensor&>(b).grad());
  }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  detail::check_defined(a, "matmul", "a");
  detail::check_defined(b, "matmul", "b");
  if (a.rank() != 2 || b.rank() != 2) {
    detail::shape_error("matmul", "expected 2-D tensors, got " + a.shape().to_string() + " and " +
                                      b.shape().to_string());
  }
  int64_t m = trans_a ? a.dim(1) : a.dim(0), ka = trans_a ? a.dim(0) : a.dim(1);
  int64_t kb = trans_b ? b.dim(1) : b.dim(0), n = trans_b ? b.dim(0) : b.dim(1);
  if (ka != kb) {
    detail::shape_error("matmul", "inner dimensions differ: op(a) is [" + std::to_string(m) + ", " +
                                      std::to_string(ka) + "] and op(b) is [" + std::to_string(kb) +
                                      ", " + std::to_string(n) + "]");
  }
  bool grad = detail::needs_grad(a, b);
  Tensor out = detail::make_output(Shape{m, n}, grad);
  k::gemm(trans_a, trans_b, as_int(m), as_int(n), as_int(ka), a.data(), as_int(a.dim(1)), b.data(),
          as_int(b.dim(1)), out.data(), as_int(n), false);
  if (grad) {
    Node& node = detail::record(matmul_backward, "matmul", out);
    node.in[0] = a;
    node.in[1] = b;
    node.tape->set_args(node, MatmulArgs{trans_a, trans_b});
  }
  return out;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  detail::check_defined(x, "linear", "x");
  detail::check_defined(w, "linear", "w");
  if (w.rank() != 2 || x.rank() < 1 || x.dim(-1) != w.dim(0)) {
    detail::shape_error("linear", "expected x [..., in] and w [in, out], got x " +
                                      x.shape().to_string() + " and w " + w.shape().to_string());
  }
  int64_t in_f = w.dim(0), out_f = w.dim(1), rows = x.shape().outer(x.rank() - 1);
  bool has_bias = b.defined();
  if (has_bias) {
    (void)b.data();
    if (b.numel() != out_f || b.rank() != 1) {
      detail::shape_error("linear", "bias must have shape [" + std::to_string(out_f) + "], got " +
                                        b.shape().to_string());
    }
  }
  bool grad = detail::needs_grad(x, w, b);
  Tensor out = detail::make_output(x.shape().with_dim(x.rank() - 1, out_f), grad);
  float* y = out.data();
  // Each output starts from its bias, then the gemm continues the FMA chain over `in`.
  if (has_bias) {
    const float* bias = b.data();
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(y + r * out_f, bias, static_cast<std::size_t>(out_f) * sizeof(float));
  }
  k::gemm(false, false, as_int(rows), as_int(out_f), as_int(in_f), x.data(), as_int(in_f), w.data(),
          as_int(out_f), y, as_int(out_f), has_bias);
  if (grad) {
    Node& node = detail::record(linear_backward, "linear", out);
    node.in[0] = x;
    node.in[1] = w;
    node.in[2] = b;
  }
  return out;
}

}  // namespace nn
