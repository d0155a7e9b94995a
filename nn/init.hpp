// Weight initialisation: orthogonal (with gain) and Xavier/Glorot uniform.
//
// Weights are stored [in, out] (y = x @ W + b), so fan_in = rows and fan_out = columns.
#pragma once

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// Fills a 2-D tensor with a (semi-)orthogonal matrix times `gain`: orthonormal columns when
/// rows >= cols, orthonormal rows otherwise. Built by Gram-Schmidt (in double precision) on a
/// Gaussian matrix, which gives the same distribution as QR with the sign fix (Saxe et al. 2013).
void orthogonal_(Tensor& w, float gain, Rng& rng);

/// Fills with U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010).
void xavier_uniform_(Tensor& w, float gain, Rng& rng);

}  // namespace nn
