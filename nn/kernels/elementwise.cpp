// The public elementwise / math / reduction / softmax / Adam kernels: each forwards to the path
// that active_isa() names, through a table of function pointers.
//
// Dispatch is one relaxed atomic load (inside active_isa()), an array index and an indirect
// call, so it is cheap even for tiny tensors, and set_active_isa() takes effect on the next call.
// The implementations live in elementwise_scalar.cpp (the reference) and elementwise_avx2.cpp /
// elementwise_avx512.cpp, which share their bodies through elementwise_impl.hpp.
#include "nn/kernels/elementwise_paths.hpp"
#include "nn/kernels/kernels.hpp"

namespace nn::kernels {

namespace {

// Indexed by Isa. The SIMD tables exist only in x86 builds; elsewhere cpu_supports() never
// allows anything but scalar, so the scalar table standing in for them is never used.
#if defined(PHANTOM_X86_SIMD)
const ElementwiseTable* const kTables[] = {&scalar::kElementwiseTable, &avx2::kElementwiseTable,
                                           &avx512::kElementwiseTable};
#else
const ElementwiseTable* const kTables[] = {&scalar::kElementwiseTable, &scalar::kElementwiseTable,
                                           &scalar::kElementwiseTable};
#endif

inline const ElementwiseTable& table() {
  return *kTables[static_cast<int>(active_isa())];
}

}  // namespace

void add(const float* a, const float* b, float* out, int64_t n) {
  table().add(a, b, out, n);
}
void sub(const float* a, const float* b, float* out, int64_t n) {
  table().sub(a, b, out, n);
}
void mul(const float* a, const float* b, float* out, int64_t n) {
  table().mul(a, b, out, n);
}
void div(const float* a, const float* b, float* out, int64_t n) {
  table().div(a, b, out, n);
}
void add_scalar(const float* a, float s, float* out, int64_t n) {
  table().add_scalar(a, s, out, n);
}
void mul_scalar(const float* a, float s, float* out, int64_t n) {
  table().mul_scalar(a, s, out, n);
}
void minimum(const float* a, const float* b, float* out, int64_t n) {
  table().minimum(a, b, out, n);
}
void maximum(const float* a, const float* b, float* out, int64_t n) {
  table().maximum(a, b, out, n);
}
void clamp(const float* x, float lo, float hi, float* out, int64_t n) {
  table().clamp(x, lo, hi, out, n);
}
void square(const float* x, float* out, int64_t n) {
  table().square(x, out, n);
}
void sqrt(const float* x, float* out, int64_t n) {
  table().sqrt(x, out, n);
}
void relu(const float* x, float* out, int64_t n) {
  table().relu(x, out, n);
}
void exp(const float* x, float* out, int64_t n) {
  table().exp(x, out, n);
}
void log(const float* x, float* out, int64_t n) {
  table().log(x, out, n);
}
void tanh(const float* x, float* out, int64_t n) {
  table().tanh(x, out, n);
}
void sigmoid(const float* x, float* out, int64_t n) {
  table().sigmoid(x, out, n);
}
void softplus(const float* x, float* out, int64_t n) {
  table().softplus(x, out, n);
}

void acc(const float* x, float* out, int64_t n) {
  table().acc(x, out, n);
}
void acc_scaled(const float* x, float s, float* out, int64_t n) {
  table().acc_scaled(x, s, out, n);
}
void acc_mul(const float* x, const float* y, float* out, int64_t n) {
  table().acc_mul(x, y, out, n);
}
void acc_div(const float* x, const float* y, float* out, int64_t n) {
  table().acc_div(x, y, out, n);
}
void tanh_backward(const float* dy, const float* y, float* dx, int64_t n) {
  table().tanh_backward(dy, y, dx, n);
}
void sigmoid_backward(const float* dy, const float* y, float* dx, int64_t n) {
  table().sigmoid_backward(dy, y, dx, n);
}
void relu_backward(const float* dy, const float* x, float* dx, int64_t n) {
  table().relu_backward(dy, x, dx, n);
}

float sum(const float* x, int64_t n) {
  return table().sum(x, n);
}
float sum_squares(const float* x, int64_t n) {
  return table().sum_squares(x, n);
}
float max(const float* x, int64_t n) {
  return table().max(x, n);
}
void col_sum_acc(const float* x, int64_t rows, int64_t cols, float* out) {
  table().col_sum_acc(x, rows, cols, out);
}
void softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  table().softmax_rows(x, rows, cols, out);
}
void log_softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  table().log_softmax_rows(x, rows, cols, out);
}
void log_softmax_backward_rows(const float* g, const float* y, int64_t rows, int64_t cols,
                               float* dx) {
  table().log_softmax_backward_rows(g, y, rows, cols, dx);
}

void adam_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1,
                 float b2, float eps, float c1, float c2) {
  table().adam_update(p, g, m, v, n, lr, b1, b2, eps, c1, c2);
}

void dense_fold(const float* dy, const float* y, int64_t rows, int64_t cols, Activation act,
                float* dz, float* db) {
  table().dense_fold(dy, y, rows, cols, act, dz, db);
}

}  // namespace nn::kernels
