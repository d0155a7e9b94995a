// The AVX-512 path of the elementwise / math / reduction / softmax / Adam kernels.
//
// Compiled with -mavx512f/bw/dq/vl -mfma (CMake does that for every *_avx512.cpp) and only called
// after cpuid said the CPU can run it. The kernel bodies are shared with the AVX2 path: this file
// just stamps them out over the AVX-512 vocabulary, inside nn::kernels::avx512 and an anonymous
// namespace, so none of these AVX-512 instructions can leak into another path at link time.
#include <algorithm>

#include "nn/kernels/elementwise_paths.hpp"
#include "nn/kernels/math_constants.hpp"
#include "nn/kernels/simd_avx512.hpp"

namespace nn::kernels::avx512 {
namespace {
// Order matters: the kernel bodies call the vector math (vexp, vlog, ...).
#include "nn/kernels/math_impl.hpp"

#include "nn/kernels/elementwise_impl.hpp"
}  // namespace

const ElementwiseTable kElementwiseTable = PHANTOM_ELEMENTWISE_TABLE;

}  // namespace nn::kernels::avx512
