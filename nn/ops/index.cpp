// Indexing ops: gather one element per row (log-probability of taken actions) and select rows.
#include <cmath>
#include <cstring>

#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"
#include "nn/ops/op_support.hpp"

namespace nn {
namespace {

// Arena memory for op indices when recording, else per-thread scratch (consumed at once).
int64_t* index_buffer(bool recording, int64_t count) {
  if (recording) {
    return static_cast<int64_t*>(
        Tape::current()->allocate_bytes(static_cast<std::size_t>(count) * sizeof(int64_t)));
  }
  thread_local std::vector<int64_t> buffer;
  if (static_cast<int64_t>(buffer.size()) < count) buffer.resize(static_cast<std::size_t>(count));
  return buffer.data();
}

// What both ops keep for their backward pass (Node::args): the positions they read.
struct IndexArgs {
  const int64_t* positions;  // arena
  int64_t count;
};

// out[r] = x[r, idx[r]]  =>  dx[r, idx[r]] += g[r]
void gather_backward(const Node& node) {
  int64_t cols = node.in[0].dim(-1);
  const IndexArgs& args = node.args<IndexArgs>();
  const int64_t* idx = args.positions;
  const float* g = node.out.grad();
  float* dx = const_cast<Tensor&>(node.in[0]).grad();
  for (int64_t r = 0; r < args.count; ++r) dx[r * cols + idx[r]] += g[r];
}

// out[i] = x[rows[i]]  =>  dx[rows[i]] += g[i]
void index_select_backward(const Node& node) {
  int64_t width = node.in[0].shape().inner(0);  // not numel / dim(0): x may have no rows
  const IndexArgs& args = node.args<IndexArgs>();
  const int64_t* rows = args.positions;
  const float* g = node.out.grad();
  float* dx = const_cast<Tensor&>(node.in[0]).grad();
  for (int64_t i = 0; i < args.count; ++i) kernels::acc(g + i * width, dx + rows[i] * width, width);
}

}  // namespace

Tensor gather(const Tensor& x, const Tensor& index) {
  detail::check_defined(x, "gather", "x");
  detail::check_defined(index, "gather", "index");
  if (x.rank() < 1 || index.shape() != x.shape().reduced(x.rank() - 1, false)) {
    detail::shape_error("gather",
                        "x " + x.shape().to_string() + " needs an index of shape " +
                            (x.rank() >= 1 ? x.shape().reduced(x.rank() - 1, false).to_string()
                                           : std::string("[]")) +
                            ", got " + index.shape().to_string());
  }
  int64_t cols = x.dim(-1), rows = index.numel();
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(index.shape(), grad);
  int64_t* idx = index_buffer(grad, rows);
  const float* xi = index.data();
  for (int64_t r = 0; r < rows; ++r) {
    float v = xi[r];
    if (!(v >= 0.0f && v < static_cast<float>(cols)) || v != std::floor(v)) {
      throw phantom::ValueError("gather: index[" + std::to_string(r) + "] = " + std::to_string(v) +
                                " is not an integer in [0, " + std::to_string(cols) + ")");
    }
    idx[r] = static_cast<int64_t>(v);
  }
  const float* src = x.data();
  float* dst = out.data();
  for (int64_t r = 0; r < rows; ++r) dst[r] = src[r * cols + idx[r]];
  if (grad) {
    Node& node = detail::record(gather_backward, "gather", out);
    node.in[0] = x;
    node.tape->set_args(node, IndexArgs{idx, rows});
  }
  return out;
}

Tensor index_select(const Tensor& x, const std::vector<int64_t>& rows) {
  detail::check_defined(x, "index_select", "x");
  if (x.rank() < 1) {
    detail::shape_error("index_select",
                        "expected at least 1 dimension, got shape " + x.shape().to_string());
  }
  int64_t n = static_cast<int64_t>(rows.size()), height = x.dim(0), width = x.shape().inner(0);
  bool grad = detail::needs_grad(x);
  Tensor out = detail::make_output(x.shape().with_dim(0, n), grad);
  int64_t* idx = index_buffer(grad, n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = rows[static_cast<std::size_t>(i)];
    if (r < 0 || r >= height) {
      throw phantom::ValueError("index_select: rows[" + std::to_string(i) +
                                "] = " + std::to_string(r) + " is out of range [0, " +
                                std::to_string(height) + ")");
    }
    idx[i] = r;
  }
  const float* src = x.data();
  float* dst = out.data();
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + i * width, src + idx[i] * width,
                static_cast<std::size_t>(width) * sizeof(float));
  if (grad) {
    Node& node = detail::record(index_select_backward, "index_select", out);
    node.in[0] = x;
    node.tape->set_args(node, IndexArgs{idx, n});
  }
  return out;
}

}  // namespace nn
