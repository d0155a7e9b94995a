// TEMPORARY naive implementations (std:: math), replaced by the scalar reference + SIMD paths.
#include <cmath>
#include <limits>

#include "nn/kernels/kernels.hpp"

namespace nn::kernels {

#define PH_MAP2(name, expr) \
  void name(const float* a, const float* b, float* out, int64_t n) { \
    for (int64_t i = 0; i < n; ++i) out[i] = (expr);                 \
  }
PH_MAP2(add, a[i] + b[i])
PH_MAP2(sub, a[i] - b[i])
PH_MAP2(mul, a[i] * b[i])
PH_MAP2(div, a[i] / b[i])
PH_MAP2(minimum, b[i] < a[i] ? b[i] : a[i])
PH_MAP2(maximum, b[i] > a[i] ? b[i] : a[i])
#undef PH_MAP2

#define PH_MAP1(name, expr) \
  void name(const float* x, float* out, int64_t n) { \
    for (int64_t i = 0; i < n; ++i) out[i] = (expr); \
  }
PH_MAP1(square, x[i] * x[i])
PH_MAP1(sqrt, std::sqrt(x[i]))
PH_MAP1(relu, x[i] > 0.0f ? x[i] : 0.0f)
PH_MAP1(exp, std::exp(x[i]))
PH_MAP1(log, std::log(x[i]))
PH_MAP1(tanh, std::tanh(x[i]))
PH_MAP1(sigmoid, 1.0f / (1.0f + std::exp(-x[i])))
PH_MAP1(softplus, (x[i] > 0.0f ? x[i] : 0.0f) + std::log1p(std::exp(-std::fabs(x[i]))))
#undef PH_MAP1

void add_scalar(const float* a, float s, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + s;
}
void mul_scalar(const float* a, float s, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * s;
}
void clamp(const float* x, float lo, float hi, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] < lo ? lo : x[i];
    out[i] = v > hi ? hi : v;
  }
}
void acc(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] += x[i];
}
void acc_scaled(const float* x, float s, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(x[i], s, out[i]);
}
void acc_mul(const float* x, const float* y, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(x[i], y[i], out[i]);
}
void acc_div(const float* x, const float* y, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] += x[i] / y[i];
}
void tanh_backward(const float* dy, const float* y, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
}
void sigmoid_backward(const float* dy, const float* y, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * (y[i] * (1.0f - y[i]));
}
void relu_backward(const float* dy, const float* x, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

float sum(const float* x, int64_t n) {
  float lanes[16] = {};
  for (int64_t i = 0; i < n; ++i) lanes[i % 16] += x[i];
  for (int w = 8; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) lanes[l] += lanes[l + w];
  return lanes[0];
}
float sum_squares(const float* x, int64_t n) {
  float lanes[16] = {};
  for (int64_t i = 0; i < n; ++i) lanes[i % 16] = std::fma(x[i], x[i], lanes[i % 16]);
  for (int w = 8; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) lanes[l] += lanes[l + w];
  return lanes[0];
}
float max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}
void col_sum_acc(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[c] += x[r * cols + c];
}
void softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float m = max(xr, cols);
    for (int64_t c = 0; c < cols; ++c) o[c] = std::exp(xr[c] - m);
    float s = sum(o, cols);
    for (int64_t c = 0; c < cols; ++c) o[c] = o[c] / s;
  }
}
void log_softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float m = max(xr, cols);
    for (int64_t c = 0; c < cols; ++c) o[c] = std::exp(xr[c] - m);
    float lse = m + std::log(sum(o, cols));
    for (int64_t c = 0; c < cols; ++c) o[c] = xr[c] - lse;
  }
}
void adam_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1,
                 float b2, float eps, float c1, float c2) {
  for (int64_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1.0f - b1) * g[i];
    v[i] = b2 * v[i] + (1.0f - b2) * (g[i] * g[i]);
    p[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
  }
}

}  // namespace nn::kernels
