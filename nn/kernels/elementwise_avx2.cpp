// The AVX2 + FMA path of the elementwise / math / reduction / softmax / Adam kernels.
//
// Compiled with -mavx2 -mfma (CMake does that for every *_avx2.cpp) and only called
// after cpuid said the CPU can run it. The kernel bodies are shared with the AVX-512 path: this
// file just stamps them out over the AVX2 vocabulary (16 lanes as two 8-wide halves), inside
// nn::kernels::avx2 and an anonymous namespace, so none of these AVX2 instructions can leak into
// another path at link time.
#include <algorithm>

#include "nn/kernels/elementwise_paths.hpp"
#include "nn/kernels/math_constants.hpp"
#include "nn/kernels/simd_avx2.hpp"

namespace nn::kernels::avx2 {
namespace {
// Order matters: the kernel bodies call the vector math (vexp, vlog, ...).
#include "nn/kernels/math_impl.hpp"

#include "nn/kernels/elementwise_impl.hpp"
}  // namespace

const ElementwiseTable kElementwiseTable = PHANTOM_ELEMENTWISE_TABLE;

}  // namespace nn::kernels::avx2
