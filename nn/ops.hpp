// Differentiable tensor operations.
//
// With a TapeScope open (see tape.hpp), each op writes its result into the tape's arena and, if
// an input requires a gradient and gradients are enabled, records a node whose backward function
// adds the op's input gradients. Without a TapeScope the result is an owned tensor and nothing is
// recorded. Each op family lives in one file under nn/ops/ with its forward and backward side by
// side.
//
// Broadcasting (binary elementwise ops): the shapes are equal, or one operand is a single element,
// or one operand is a row vector ([C] or [1, C]) whose length equals the other's last dimension.
// Shape mismatches throw phantom::ShapeError naming the op and both shapes.
#pragma once

#include <vector>

#include "nn/kernels/kernels.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// The activation of a dense layer (the kernel's enum): none, tanh or relu.
using Activation = kernels::Activation;

// ---- Elementwise binary (with broadcasting) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
/// Elementwise min/max of two tensors. Where a == b the gradient is split half-half (as PyTorch).
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);

// ---- With a constant ----
Tensor add_scalar(const Tensor& a, float s);
Tensor mul_scalar(const Tensor& a, float s);
/// Clamps to [lo, hi]; the gradient passes where lo <= x <= hi.
Tensor clamp(const Tensor& x, float lo, float hi);

// ---- Elementwise unary ----
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
/// log(1 + exp(x)), computed stably for any x.
Tensor softplus(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);

// ---- Linear algebra ----
/// op(a) @ op(b) for 2-D tensors, op = transpose when the flag is set.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
/// x [B, in] @ w [in, out] + b [out] in one node (b may be undefined for no bias).
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);
/// act(x [..., in] @ w [in, out] + b [out]) in one node: a fused dense layer (b may be undefined
/// for no bias). Values and gradients are bit-identical to linear() followed by tanh() / relu(),
/// with one output tensor instead of two and the activation's derivative folded into the
/// backward pass of the product.
Tensor dense(const Tensor& x, const Tensor& w, const Tensor& b, Activation act);

// ---- Reductions ----
/// Sum / mean of all elements: a scalar (rank-0) tensor.
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);
/// Along one dimension (negative counts from the end).
Tensor sum(const Tensor& x, int dim, bool keepdim = false);
Tensor mean(const Tensor& x, int dim, bool keepdim = false);
/// Maximum along a dimension; the gradient goes to the first maximal element.
Tensor max(const Tensor& x, int dim, bool keepdim = false);
/// Index of the first maximum along the last dimension, as exact integers in a float tensor
/// (not differentiable).
Tensor argmax(const Tensor& x);

// ---- Softmax (along the last dimension) ----
Tensor softmax(const Tensor& x, int dim = -1);
Tensor log_softmax(const Tensor& x, int dim = -1);

// ---- Indexing ----
/// out[r] = x[r, index[r]] for x [..., C] and index [...] (exact integers stored as floats, as
/// Discrete actions are). Used for the log-probability of taken actions.
Tensor gather(const Tensor& x, const Tensor& index);
/// Rows of x (along dim 0) in the order of `rows`: out[i] = x[rows[i]].
Tensor index_select(const Tensor& x, const std::vector<int64_t>& rows);

// ---- Shape ----
/// Same data, new shape with the same number of elements (a view: no copy, gradients flow).
Tensor reshape(const Tensor& x, const Shape& shape);
/// Concatenation along `dim`; all other extents must match.
Tensor concat(const std::vector<Tensor>& parts, int dim);
/// The elements [start, start + length) along `dim`.
Tensor slice(const Tensor& x, int dim, int64_t start, int64_t length);

// ---- Operators ----
inline Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
inline Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
inline Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
inline Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
inline Tensor operator-(const Tensor& x) {
  return neg(x);
}
inline Tensor operator+(const Tensor& a, float s) {
  return add_scalar(a, s);
}
inline Tensor operator+(float s, const Tensor& a) {
  return add_scalar(a, s);
}
inline Tensor operator-(const Tensor& a, float s) {
  return add_scalar(a, -s);
}
inline Tensor operator-(float s, const Tensor& a) {
  return add_scalar(neg(a), s);
}
inline Tensor operator*(const Tensor& a, float s) {
  return mul_scalar(a, s);
}
inline Tensor operator*(float s, const Tensor& a) {
  return mul_scalar(a, s);
}
inline Tensor operator/(const Tensor& a, float s) {
  return mul_scalar(a, 1.0f / s);
}

}  // namespace nn
