// Internal declarations shared by the gemm files (not installed API; see kernels.hpp for the
// contract). gemm.cpp owns dispatch, threading, the scalar path and the scratch buffers; each
// gemm_<isa>.cpp provides one single-threaded gemm compiled for that instruction set only.
#pragma once

#include <cstddef>

namespace nn::kernels {

namespace gemm_detail {

/// Scratch slots, so one gemm call can hold several buffers at once.
enum ScratchSlot : int { kScratchB = 0, kScratchA = 1, kScratchC = 2, kScratchCount = 3 };

/// A thread-local, 64-byte aligned, grow-only buffer of at least `floats` floats. The contents
/// are undefined (callers fill what they read); the pointer stays valid until the next call with
/// the same slot on the same thread. Grows rarely, so steady-state calls do not allocate.
float* scratch(ScratchSlot slot, std::size_t floats);

}  // namespace gemm_detail

// Single-threaded gemm on one instruction set, same arguments and contract as kernels::gemm.
// Callers guarantee m, n >= 1 and k >= 0. Only declared where the build compiles them.
#if defined(PHANTOM_X86_SIMD)
namespace avx2_impl {
void gemm_serial(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                 const float* b, int ldb, float* c, int ldc, bool accumulate);
}  // namespace avx2_impl

namespace avx512_impl {
void gemm_serial(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                 const float* b, int ldb, float* c, int ldc, bool accumulate);
}  // namespace avx512_impl
#endif

}  // namespace nn::kernels
