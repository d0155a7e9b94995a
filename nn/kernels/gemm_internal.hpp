// Internal declarations shared by the gemm files (not installed API; see kernels.hpp for the
// contract). gemm.cpp owns dispatch, threading, the scalar path and the scratch buffers; each
// gemm_<isa>.cpp provides one single-threaded gemm compiled for that instruction set only, all
// stamped out from the one body in gemm_impl.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/kernels/kernels.hpp"

namespace nn::kernels {

namespace gemm_detail {

/// Scratch slots, so one gemm call can hold several buffers at once.
enum ScratchSlot : int { kScratchB = 0, kScratchA = 1, kScratchCount = 2 };

/// A thread-local, 64-byte aligned, grow-only buffer of at least `floats` floats. The contents
/// are undefined (callers fill what they read); the pointer stays valid until the next call with
/// the same slot on the same thread. Grows rarely, so steady-state calls do not allocate.
float* scratch(ScratchSlot slot, std::size_t floats);

/// The single-threaded gemm of `isa` (the portable loop for scalar): what each thread of
/// kernels::gemm and kernels::dense runs on its share of C. Callers guarantee m, n >= 1.
void gemm_serial(Isa isa, bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                 const float* b, int ldb, float* c, int ldc, bool accumulate);

/// Products of at most this many rows (batch-1 acting, small minibatches) take the few-rows route:
/// kernels::gemm sends them straight to the path's small_gemm, whose tiles are expanded in place.
constexpr int kFewRows = 8;

/// A thread gets at least this many multiply-adds (~10-20 us of single-core work), so the
/// hand-off (~0.1-50 us, see thread_pool.hpp) stays small next to the work.
constexpr std::int64_t kMinWorkPerThread = std::int64_t{1} << 20;
/// Rows / columns are handed out in whole tiles (multiples of every path's tile height / panel
/// width), so splitting never creates extra partial tiles in the middle of C.
constexpr int kRowUnit = 24;
constexpr int kColUnit = 64;

}  // namespace gemm_detail

// The single-threaded gemm of each instruction set. Only declared where the build compiles them.
#if defined(PHANTOM_X86_SIMD)
namespace avx2 {
/// Single-threaded gemm on AVX2 + FMA, same arguments and contract as kernels::gemm. Callers
/// guarantee m, n >= 1 and k >= 0, and that the CPU has AVX2 and FMA.
void gemm_serial(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                 const float* b, int ldb, float* c, int ldc, bool accumulate);
/// gemm_serial for m in 1..kFewRows (any k >= 0, any transposition): the few-rows route, with no
/// call between it and the FMAs when B is not transposed. Same arguments, so kernels::gemm reaches
/// it with a jump.
void small_gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                const float* b, int ldb, float* c, int ldc, bool accumulate);
/// kernels::dense for a single row on AVX2 + FMA: y [n] = act(b + x [k] w [k x n]), b may be null;
/// the activation is applied in registers. Callers guarantee n >= 1 and k >= 0.
void dense_row(int n, int k, const float* x, const float* w, const float* b, Activation act,
               float* y);
}  // namespace avx2

namespace avx512 {
/// Single-threaded gemm on AVX-512, same arguments and contract as kernels::gemm. Callers
/// guarantee m, n >= 1 and k >= 0, and that the CPU has AVX-512 F/BW/DQ/VL and FMA.
void gemm_serial(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                 const float* b, int ldb, float* c, int ldc, bool accumulate);
/// gemm_serial for m in 1..kFewRows (any k >= 0, any transposition): the few-rows route, with no
/// call between it and the FMAs when B is not transposed. Same arguments, so kernels::gemm reaches
/// it with a jump.
void small_gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                const float* b, int ldb, float* c, int ldc, bool accumulate);
/// kernels::dense for a single row on AVX-512: y [n] = act(b + x [k] w [k x n]), b may be null;
/// the activation is applied in registers. Callers guarantee n >= 1 and k >= 0.
void dense_row(int n, int k, const float* x, const float* w, const float* b, Activation act,
               float* y);
}  // namespace avx512
#endif

}  // namespace nn::kernels
