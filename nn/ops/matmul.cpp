// Matrix products: matmul (with optional transposes), and linear / dense (a layer: x @ w + b, then
// for dense an activation, in one node).
//
// For C = op(A) op(B) the gradients are d op(A) = dC op(B)^T and d op(B) = op(A)^T dC; when an
// operand is stored transposed, its stored gradient is the transpose of that. Every product below
// is a gemm straight into the gradient buffer (no temporaries): it adds to what is there, or,
// when the buffer has received nothing yet, starts from +0 instead of clearing it first.

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
    bool assign = false;
    float* da = TensorAccess::grad_for_contribution(a, &assign);
    if (!ta) {
      k::gemm(false, !tb, m, kk, n, dc, n, b.data(), ldb, da, kk, !assign);  // dA = dC op(B)^T
    } else {
      k::gemm(tb, true, kk, m, n, b.data(), ldb, dc, n, da, m, !assign);  // dA = op(B) dC^T
    }
  }
  if (b.requires_grad()) {
    bool assign = false;
    float* db = TensorAccess::grad_for_contribution(b, &assign);
    if (!tb) {
      k::gemm(!ta, false, kk, n, m, a.data(), lda, dc, n, db, n, !assign);  // dB = op(A)^T dC
    } else {
      k::gemm(true, ta, n, kk, m, dc, n, a.data(), lda, db, kk, !assign);  // dB = dC^T op(A)
    }
  }
}

// What a dense layer keeps for its backward pass (Node::args).
struct DenseArgs {
  Activation act;
};

// x is [rows, in], w is [in, out], b is [out] (optional); the output y = act(z), z = x w + b.
// The activation's derivative is folded into dy once (dz, with db summed in the same pass);
// then dx = dz w^T and dw = x^T dz. A fresh dx buffer, and a dw buffer that zero_grad() left
// untouched, are written by their gemm rather than cleared and added to (see
// TensorAccess::grad_for_contribution).
void dense_backward(const Node& node) {
  const Tensor &x = node.in[0], &w = node.in[1], &b = node.in[2];
  const Activation act = node.args<DenseArgs>().act;
  int out_f = as_int(w.dim(1)), in_f = as_int(w.dim(0));
  int rows = as_int(x.shape().outer(x.rank() - 1));  // not numel / in: in may be 0
  const float* dz = node.out.grad();
  float* db = b.defined() && b.requires_grad() ? const_cast<Tensor&>(b).grad() : nullptr;
  if (act != Activation::none) {
    float* folded = detail::scratch(0, static_cast<int64_t>(rows) * out_f);
    k::dense_fold(dz, node.out.data(), rows, out_f, act, folded, db);
    dz = folded;
  } else if (db != nullptr) {  // db = column sums of dy
    k::col_sum_acc(dz, rows, out_f, db);
  }
  if (x.requires_grad()) {  // dx = dz w^T
    bool assign = false;
    float* dx = TensorAccess::grad_for_contribution(x, &assign);
    k::gemm(false, true, rows, in_f, out_f, dz, out_f, w.data(), out_f, dx, in_f, !assign);
  }
  if (w.requires_grad()) {  // dw = x^T dz, written straight into a gradient zero_grad() left
    bool assign = false;
    float* dw = TensorAccess::grad_for_contribution(w, &assign);
    k::gemm(true, false, in_f, out_f, rows, x.data(), in_f, dz, out_f, dw, out_f, !assign);
  }
}

// linear and dense: checks, the fused kernel, the node. `op` names the op in errors and on the
// tape.
Tensor dense_op(const char* op, const Tensor& x, const Tensor& w, const Tensor& b, Activation act) {
  detail::check_defined(x, op, "x");
  detail::check_defined(w, op, "w");
  if (w.rank() != 2 || x.rank() < 1 || x.dim(-1) != w.dim(0)) {
    detail::shape_error(op, "expected x [..., in] and w [in, out], got x " + x.shape().to_string() +
                                " and w " + w.shape().to_string());
  }
  int64_t in_f = w.dim(0), out_f = w.dim(1), rows = x.shape().outer(x.rank() - 1);
  bool has_bias = b.defined();
  if (has_bias) {
    (void)b.data();
    if (b.numel() != out_f || b.rank() != 1) {
      detail::shape_error(
          op, "bias must have shape [" + std::to_string(out_f) + "], got " + b.shape().to_string());
    }
  }
  bool grad = detail::needs_grad(x, w, b);
  Tensor out = detail::make_output(x.shape().with_dim(x.rank() - 1, out_f), grad);
  // Each output starts from its bias, the gemm continues the FMA chain over `in`, then the
  // activation: kernels::dense does all three per band of rows.
  k::dense(as_int(rows), as_int(in_f), as_int(out_f), x.data(), w.data(),
           has_bias ? b.data() : nullptr, act, out.data());
  if (grad) {
    Node& node = detail::record(dense_backward, op, out);
    node.in[0] = x;
    node.in[1] = w;
    node.in[2] = b;
    node.tape->set_args(node, DenseArgs{act});
  }
  return out;
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
  return dense_op("linear", x, w, b, Activation::none);
}

Tensor dense(const Tensor& x, const Tensor& w, const Tensor& b, Activation act) {
  return dense_op("dense", x, w, b, act);
}

}  // namespace nn
