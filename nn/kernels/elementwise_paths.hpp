// The per-ISA implementations behind the elementwise / reduction / softmax / Adam kernels.
//
// kernels.hpp declares the public functions; elementwise.cpp forwards each call through a table
// of function pointers (ElementwiseTable) chosen from active_isa(). Every path fills one table:
//   scalar::kElementwiseTable  elementwise_scalar.cpp  the readable reference (always built)
//   avx2::kElementwiseTable    elementwise_avx2.cpp    AVX2 + FMA, 16 lanes as two 8-wide halves
//   avx512::kElementwiseTable  elementwise_avx512.cpp  AVX-512F/BW/DQ/VL
// The scalar reference functions are also declared here so tests and curious readers can call
// them directly (nn::kernels::scalar::tanh(...)), bypassing the dispatch.
#pragma once

#include <cstdint>

#include "nn/kernels/kernels.hpp"

namespace nn::kernels {

/// One entry per kernel in kernels.hpp (same names, same signatures).
struct ElementwiseTable {
  using Map2 = void (*)(const float*, const float*, float*, int64_t);
  using MapScalar = void (*)(const float*, float, float*, int64_t);
  using Map1 = void (*)(const float*, float*, int64_t);
  using Clamp = void (*)(const float*, float, float, float*, int64_t);
  using Reduce = float (*)(const float*, int64_t);
  using ColSum = void (*)(const float*, int64_t, int64_t, float*);
  using Rows = void (*)(const float*, int64_t, int64_t, float*);
  using Adam = void (*)(float*, const float*, float*, float*, int64_t, float, float, float, float,
                        float, float);
  using Fold = void (*)(const float*, const float*, int64_t, int64_t, Activation, float*, float*);

  Map2 add, sub, mul, div, minimum, maximum;
  MapScalar add_scalar, mul_scalar;
  Clamp clamp;
  Map1 square, sqrt, relu, exp, log, tanh, sigmoid, softplus;
  Map1 acc;
  MapScalar acc_scaled;
  Map2 acc_mul, acc_div, tanh_backward, sigmoid_backward, relu_backward;
  Reduce sum, sum_squares, max;
  ColSum col_sum_acc;
  Rows softmax_rows, log_softmax_rows;
  using RowsBackward = void (*)(const float*, const float*, int64_t, int64_t, float*);
  RowsBackward log_softmax_backward_rows;
  Adam adam_update;
  Fold dense_fold;
};

/// Fills an ElementwiseTable from functions of those names visible where it is expanded (each
/// ISA file expands it inside its own namespace). Kept next to the struct so the order matches.
#define PHANTOM_ELEMENTWISE_TABLE                                                                 \
  {                                                                                               \
    add, sub, mul, div, minimum, maximum, add_scalar, mul_scalar, clamp, square, sqrt, relu, exp, \
        log, tanh, sigmoid, softplus, acc, acc_scaled, acc_mul, acc_div, tanh_backward,           \
        sigmoid_backward, relu_backward, sum, sum_squares, max, col_sum_acc, softmax_rows,        \
        log_softmax_rows, log_softmax_backward_rows, adam_update, dense_fold                      \
  }

namespace scalar {
// The reference implementations: plain loops, same semantics as the kernels.hpp declarations.
void add(const float* a, const float* b, float* out, int64_t n);
void sub(const float* a, const float* b, float* out, int64_t n);
void mul(const float* a, const float* b, float* out, int64_t n);
void div(const float* a, const float* b, float* out, int64_t n);
void minimum(const float* a, const float* b, float* out, int64_t n);
void maximum(const float* a, const float* b, float* out, int64_t n);
void add_scalar(const float* a, float s, float* out, int64_t n);
void mul_scalar(const float* a, float s, float* out, int64_t n);
void clamp(const float* x, float lo, float hi, float* out, int64_t n);
void square(const float* x, float* out, int64_t n);
void sqrt(const float* x, float* out, int64_t n);
void relu(const float* x, float* out, int64_t n);
void exp(const float* x, float* out, int64_t n);
void log(const float* x, float* out, int64_t n);
void tanh(const float* x, float* out, int64_t n);
void sigmoid(const float* x, float* out, int64_t n);
void softplus(const float* x, float* out, int64_t n);
void acc(const float* x, float* out, int64_t n);
void acc_scaled(const float* x, float s, float* out, int64_t n);
void acc_mul(const float* x, const float* y, float* out, int64_t n);
void acc_div(const float* x, const float* y, float* out, int64_t n);
void tanh_backward(const float* dy, const float* y, float* dx, int64_t n);
void sigmoid_backward(const float* dy, const float* y, float* dx, int64_t n);
void relu_backward(const float* dy, const float* x, float* dx, int64_t n);
float sum(const float* x, int64_t n);
float sum_squares(const float* x, int64_t n);
float max(const float* x, int64_t n);
void col_sum_acc(const float* x, int64_t rows, int64_t cols, float* out);
void softmax_rows(const float* x, int64_t rows, int64_t cols, float* out);
void log_softmax_rows(const float* x, int64_t rows, int64_t cols, float* out);
void log_softmax_backward_rows(const float* g, const float* y, int64_t rows, int64_t cols,
                               float* dx);
void adam_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1,
                 float b2, float eps, float c1, float c2);
void dense_fold(const float* dy, const float* y, int64_t rows, int64_t cols, Activation act,
                float* dz, float* db);

extern const ElementwiseTable kElementwiseTable;
}  // namespace scalar

namespace avx2 {
extern const ElementwiseTable kElementwiseTable;  // only defined in x86 builds
}
namespace avx512 {
extern const ElementwiseTable kElementwiseTable;  // only defined in x86 builds
}

}  // namespace nn::kernels
