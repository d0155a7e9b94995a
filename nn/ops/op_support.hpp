// Internal helpers shared by the op files (not installed as public API).
//
// Every op follows the same pattern:
//   1. check its inputs (defined, alive, shapes) with clear ShapeErrors;
//   2. out = make_output(shape, needs_grad(inputs)) — arena memory if a tape is open;
//   3. compute the forward values with the kernels;
//   4. if out.requires_grad(), record a node whose backward function adds input gradients.
#pragma once

#include <string>
#include <vector>

#include "nn/error.hpp"
#include "nn/tape.hpp"
#include "nn/tensor.hpp"
#include "nn/thread_pool.hpp"

namespace nn {

// Friend of Tensor: lets ops make views that share memory (reshape, detach-like helpers).
struct TensorAccess {
  static Tensor with_shape(const Tensor& t, const Shape& s) {
    Tensor v = t;
    v.shape_ = s;
    return v;
  }

  /// The gradient buffer of `t` (which requires a gradient), for a backward function about to
  /// give it a contribution covering every element. Sets *assign when nothing has been added to
  /// it yet (a fresh arena gradient, or a parameter's since zero_grad()): the caller must then
  /// write its contribution instead of adding it, computing exactly what it would have on a
  /// buffer of +0: a gemm started from +0 (accumulate = false) instead of from the buffer, or
  /// term + 0 instead of 0 + term (the same bits, including +0 for a -0 term; storing the bare
  /// term would keep the -0).
  static float* grad_for_contribution(const Tensor& t, bool* assign) {
    (void)t.data();  // throws if the tensor's tape has moved on
    *assign = t.grad_untouched_ != nullptr && *t.grad_untouched_;
    // With the flag cleared first, grad() hands the buffer over without clearing it.
    if (*assign) *t.grad_untouched_ = false;
    return const_cast<Tensor&>(t).grad();
  }
};

namespace detail {

/// Throws if `t` is undefined or belongs to a finished recording.
inline void check_defined(const Tensor& t, const char* op, const char* arg) {
  if (!t.defined()) {
    throw phantom::ValueError(std::string(op) + ": argument '" + arg + "' is an undefined tensor");
  }
  (void)t.data();  // throws if the tensor's tape has moved on
}

/// Whether an op on these inputs records a node: a tape is recording, gradients are enabled and
/// some input requires a gradient.
inline bool needs_grad(const Tensor& a, const Tensor& b = Tensor(), const Tensor& c = Tensor()) {
  Tape* tape = Tape::current();
  if (tape == nullptr || !tape->recording() || !grad_enabled()) return false;
  return a.requires_grad() || b.requires_grad() || c.requires_grad();
}

/// Output memory: from the current tape's arena, or owned when no tape is open.
inline Tensor make_output(const Shape& shape, bool with_grad) {
  Tape* tape = Tape::current();
  if (tape == nullptr) return Tensor::zeros(shape);
  return tape->new_tensor(shape, with_grad);
}

/// Records a node for `out` on the current tape (call only when out.requires_grad()).
inline Node& record(Node::BackwardFn fn, const char* name, const Tensor& out) {
  return Tape::current()->record(fn, name, out);
}

/// Reusable per-thread scratch buffers (grow-only), for temporaries that ops consume at once.
/// `slot` picks one of a few independent buffers so an op can hold two at a time.
float* scratch(int slot, int64_t count);

/// Runs fn(begin, end) over [0, n) split across the default pool when n is large enough for the
/// hand-off to pay (>= 32k elements per thread: ~10 us of a cheap map), else inline. Only for
/// elementwise work, where the split cannot change any result.
template <class Fn>
void for_elements(int64_t n, Fn&& fn) {
  constexpr int64_t kMinPerThread = int64_t{1} << 15;
  default_pool().parallel_for(n, kMinPerThread, fn);
}

[[noreturn]] inline void shape_error(const char* op, const std::string& what) {
  throw phantom::ShapeError(std::string(op) + ": " + what);
}

}  // namespace detail
}  // namespace nn
