// Orthogonal and Xavier initialisers.
#include "nn/init.hpp"

#include <cmath>
#include <vector>

#include "nn/error.hpp"

namespace nn {

namespace {
void require_matrix(const Tensor& w, const char* who) {
  if (w.rank() != 2) {
    throw phantom::ShapeError(std::string(who) + ": expected a 2-D weight, got shape " +
                              w.shape().to_string());
  }
}
}  // namespace

void orthogonal_(Tensor& w, float gain, Rng& rng) {
  require_matrix(w, "orthogonal_");
  int64_t rows = w.dim(0), cols = w.dim(1);
  // Work on the tall orientation (n >= k): k orthonormal columns of length n.
  int64_t n = rows >= cols ? rows : cols, k = rows >= cols ? cols : rows;
  std::vector<double> q(static_cast<std::size_t>(n * k));  // column j at q[j * n ...]
  for (double& v : q) v = rng.normal();
  for (int64_t j = 0; j < k; ++j) {
    double* col = &q[static_cast<std::size_t>(j * n)];
    // Subtract the projections on earlier columns twice ("twice is enough" re-orthogonalisation
    // keeps the columns orthogonal to working precision).
    for (int pass = 0; pass < 2; ++pass) {
      for (int64_t p = 0; p < j; ++p) {
        const double* prev = &q[static_cast<std::size_t>(p * n)];
        double dot = 0.0;
        for (int64_t i = 0; i < n; ++i) dot += prev[i] * col[i];
        for (int64_t i = 0; i < n; ++i) col[i] -= dot * prev[i];
      }
    }
    double norm = 0.0;
    for (int64_t i = 0; i < n; ++i) norm += col[i] * col[i];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < n; ++i) col[i] /= norm;
  }
  float* out = w.data();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      // rows >= cols: W[r][c] = column c, entry r. Otherwise W is the transpose.
      double v = rows >= cols ? q[static_cast<std::size_t>(c * n + r)]
                              : q[static_cast<std::size_t>(r * n + c)];
      out[r * cols + c] = static_cast<float>(gain * v);
    }
  }
}

void xavier_uniform_(Tensor& w, float gain, Rng& rng) {
  require_matrix(w, "xavier_uniform_");
  double fan_in = static_cast<double>(w.dim(0)), fan_out = static_cast<double>(w.dim(1));
  float a = static_cast<float>(gain * std::sqrt(6.0 / (fan_in + fan_out)));
  float* out = w.data();
  for (int64_t i = 0; i < w.numel(); ++i) out[i] = rng.uniform(-a, a);
}

}  // namespace nn
