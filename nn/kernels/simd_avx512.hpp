// The AVX-512 SIMD vocabulary: a 16-lane float vector and the handful of operations the shared
// kernel bodies (math_impl.hpp, elementwise_impl.hpp) are written in.
//
// Only for translation units compiled with -mavx512f/bw/dq/vl -mfma (elementwise_avx512.cpp,
// gemm_avx512.cpp).
// Everything sits in an anonymous namespace inside nn::kernels::avx512, so no symbol compiled
// with AVX-512 instructions can be picked by the linker for a caller on another path.
// simd_avx2.hpp offers the same names with the same semantics on two 8-wide halves.
#pragma once

// GCC 12 warns inside its own intrinsic headers (_mm*_undefined_* initialises a variable with
// itself, GCC bug 105593); silence that for the header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cstdint>

namespace nn::kernels::avx512 {
namespace {

constexpr int kLanes = 16;

struct Vec {
  __m512 v;
};
struct IVec {  // 16 x int32
  __m512i v;
};
using Mask = __mmask16;

inline Vec set1(float s) {
  return {_mm512_set1_ps(s)};
}
inline IVec set1_i(int32_t s) {
  return {_mm512_set1_epi32(s)};
}
inline Vec load(const float* p) {
  return {_mm512_loadu_ps(p)};
}
inline void store(float* p, Vec a) {
  _mm512_storeu_ps(p, a.v);
}
/// Mask of the first n lanes, 0 <= n <= 16.
inline Mask tail_mask(int64_t n) {
  return static_cast<Mask>((1u << n) - 1u);
}
/// Loads p[0..n), 0 <= n < 16, never touching memory past it; other lanes get `fill`.
inline Vec load_tail(const float* p, int64_t n, float fill) {
  return {_mm512_mask_loadu_ps(_mm512_set1_ps(fill), tail_mask(n), p)};
}
/// Stores the first n lanes, 0 <= n < 16, leaving memory past p[n - 1] untouched.
inline void store_tail(float* p, int64_t n, Vec a) {
  _mm512_mask_storeu_ps(p, tail_mask(n), a.v);
}

inline Vec add(Vec a, Vec b) {
  return {_mm512_add_ps(a.v, b.v)};
}
inline Vec sub(Vec a, Vec b) {
  return {_mm512_sub_ps(a.v, b.v)};
}
inline Vec mul(Vec a, Vec b) {
  return {_mm512_mul_ps(a.v, b.v)};
}
inline Vec div(Vec a, Vec b) {
  return {_mm512_div_ps(a.v, b.v)};
}
/// a * b + c with one rounding.
inline Vec fma(Vec a, Vec b, Vec c) {
  return {_mm512_fmadd_ps(a.v, b.v, c.v)};
}
inline Vec sqrt(Vec a) {
  return {_mm512_sqrt_ps(a.v)};
}
/// a < b ? a : b and a > b ? a : b, lane by lane: exactly the x86 MINPS/MAXPS rule (if either
/// is NaN, or both are zeros, the result is b). Operand order is significant.
inline Vec min_of(Vec a, Vec b) {
  return {_mm512_min_ps(a.v, b.v)};
}
inline Vec max_of(Vec a, Vec b) {
  return {_mm512_max_ps(a.v, b.v)};
}

// Ordered, non-signalling comparisons: false when either side is NaN, like C++ <, >, ==.
inline Mask lt(Vec a, Vec b) {
  return _mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ);
}
inline Mask gt(Vec a, Vec b) {
  return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ);
}
inline Mask ge(Vec a, Vec b) {
  return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GE_OQ);
}
inline Mask eq(Vec a, Vec b) {
  return _mm512_cmp_ps_mask(a.v, b.v, _CMP_EQ_OQ);
}
inline Mask mask_and(Mask a, Mask b) {
  return static_cast<Mask>(a & b);
}
inline bool all(Mask m) {
  return m == 0xffff;
}
inline bool any(Mask m) {
  return m != 0;
}
/// m ? a : b, lane by lane.
inline Vec select(Mask m, Vec a, Vec b) {
  return {_mm512_mask_blend_ps(m, b.v, a.v)};
}
inline IVec select_i(Mask m, IVec a, IVec b) {
  return {_mm512_mask_blend_epi32(m, b.v, a.v)};
}

// Bit-level views and integer lanes (two's complement, wrapping like uint32_t arithmetic).
inline IVec to_bits(Vec a) {
  return {_mm512_castps_si512(a.v)};
}
inline Vec from_bits(IVec a) {
  return {_mm512_castsi512_ps(a.v)};
}
inline IVec add_i(IVec a, IVec b) {
  return {_mm512_add_epi32(a.v, b.v)};
}
inline IVec sub_i(IVec a, IVec b) {
  return {_mm512_sub_epi32(a.v, b.v)};
}
inline IVec and_i(IVec a, IVec b) {
  return {_mm512_and_si512(a.v, b.v)};
}
inline IVec or_i(IVec a, IVec b) {
  return {_mm512_or_si512(a.v, b.v)};
}
template <int kBits>
inline IVec shl_i(IVec a) {
  return {_mm512_slli_epi32(a.v, kBits)};
}
template <int kBits>
inline IVec shr_logical_i(IVec a) {
  return {_mm512_srli_epi32(a.v, kBits)};
}
template <int kBits>
inline IVec shr_arith_i(IVec a) {
  return {_mm512_srai_epi32(a.v, kBits)};
}
/// int32 -> float, exact for the small integers we convert.
inline Vec to_float(IVec a) {
  return {_mm512_cvtepi32_ps(a.v)};
}

/// y * 2^n for integral n in [-150, 129], rounded once (VSCALEFPS). Equal to the two-step
/// (y * 2^n1) * 2^(n - n1), n1 = floor(n / 2), of the other paths, whose first product is exact.
inline Vec ldexp_of(Vec y, Vec n) {
  return {_mm512_scalef_ps(y.v, n.v)};
}
/// 2^n for integral n in [-126, 127].
inline Vec pow2_of(Vec n) {
  return {_mm512_scalef_ps(_mm512_set1_ps(1.0f), n.v)};
}

/// The fixed pairwise tree of kernels.hpp: fold lanes 8..15 onto 0..7, then 4..7 onto 0..3,
/// 2..3 onto 0..1, lane 1 onto lane 0: lane[l] = lane[l] + lane[l + w] for w = 8, 4, 2, 1.
inline float tree_sum(Vec a) {
  __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(a.v), _mm512_extractf32x8_ps(a.v, 1));
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
  return _mm_cvtss_f32(s1);
}
/// The same tree with lane[l] = lane[l + w] > lane[l] ? lane[l + w] : lane[l].
inline float tree_max(Vec a) {
  __m256 s8 = _mm256_max_ps(_mm512_extractf32x8_ps(a.v, 1), _mm512_castps512_ps256(a.v));
  __m128 s4 = _mm_max_ps(_mm256_extractf128_ps(s8, 1), _mm256_castps256_ps128(s8));
  __m128 s2 = _mm_max_ps(_mm_movehl_ps(s4, s4), s4);
  __m128 s1 = _mm_max_ss(_mm_movehdup_ps(s2), s2);
  return _mm_cvtss_f32(s1);
}

// --- Whole registers (the gemm kernels) -------------------------------------------------------
// gemm_impl.hpp tiles its output over the machine's registers, not over 16-lane Vecs: a Reg is
// one zmm register, and the tile sizes follow from kRegLanes and kRegCount.

/// One zmm register of floats.
using Reg = __m512;
/// Floats per Reg.
constexpr int kRegLanes = 16;
/// Vector registers the instruction set has.
constexpr int kRegCount = 32;
/// Selects the first lanes of a Reg for partial loads and stores.
using RegMask = __mmask16;
/// Masked loads and stores cost what plain ones do, so kernels need no unmasked variant.
constexpr bool kRegMasksAreFree = true;

/// The first `count` lanes, 0 <= count <= 16.
inline RegMask reg_first_lanes(int count) {
  return static_cast<RegMask>((1u << count) - 1u);
}
inline Reg reg_zero() {
  return _mm512_setzero_ps();
}
inline Reg reg_set1(float s) {
  return _mm512_set1_ps(s);
}
inline Reg reg_load(const float* p) {
  return _mm512_loadu_ps(p);
}
/// Lanes in `m` from p, the others 0; memory behind the other lanes is not touched.
inline Reg reg_load_masked(const float* p, RegMask m) {
  return _mm512_maskz_loadu_ps(m, p);
}
inline void reg_store(float* p, Reg a) {
  _mm512_storeu_ps(p, a);
}
/// Stores the lanes in `m` only.
inline void reg_store_masked(float* p, RegMask m, Reg a) {
  _mm512_mask_storeu_ps(p, m, a);
}
/// a * b + c with one rounding.
inline Reg reg_fma(Reg a, Reg b, Reg c) {
  return _mm512_fmadd_ps(a, b, c);
}
/// An empty asm statement that claims to modify `v`: the compiler must keep v in a register
/// instead of folding the load that produced it into each instruction that uses it.
inline void reg_keep(Reg& v) {
  __asm__("" : "+v"(v));
}

/// Registers per 16-lane Vec, and the two views of the same lanes (for an activation from
/// math_impl.hpp applied to accumulators): a zmm register is one Vec.
constexpr int kRegsPerVec = 1;
inline Vec vec_from_regs(const Reg* r) {
  return {r[0]};
}
inline void regs_from_vec(Vec v, Reg* r) {
  r[0] = v.v;
}

// --- Lane moves (gemm's narrow route: in-register transposes) ---------------------------------

/// Four floats, one 128-bit lane of a Reg (an SSE register on both instruction sets).
using Quad = __m128;
/// p[0 .. count), count in 0..3, the other lanes zero; nothing past p[count - 1] is read.
inline Quad quad_load_first(const float* p, int count) {
  return _mm_maskz_loadu_ps(static_cast<__mmask8>((1u << count) - 1u), p);
}
/// The register whose 128-bit lane L is q[L], L = 0..3.
inline Reg reg_from_quads(const Quad* q) {
  Reg r = _mm512_castps128_ps512(q[0]);
  r = _mm512_insertf32x4(r, q[1], 1);
  r = _mm512_insertf32x4(r, q[2], 2);
  return _mm512_insertf32x4(r, q[3], 3);
}
/// The steps of a 4x4 transpose inside each 128-bit lane: UNPCKLPS, UNPCKHPS and SHUFPS.
inline Reg reg_unpacklo_in_lanes(Reg x, Reg y) {
  return _mm512_unpacklo_ps(x, y);
}
inline Reg reg_unpackhi_in_lanes(Reg x, Reg y) {
  return _mm512_unpackhi_ps(x, y);
}
template <int kImm>
inline Reg reg_shuffle_in_lanes(Reg x, Reg y) {
  return _mm512_shuffle_ps(x, y, kImm);
}
/// `base` with each lane l in `bits` (bit l; `sel[l]` != 0 says the same for AVX2, which has no
/// mask registers) replaced by src[idx[l]].
inline Reg reg_permute_into(Reg base, Reg src, const int* idx, const int* sel, unsigned bits) {
  (void)sel;
  return _mm512_mask_permutexvar_ps(base, static_cast<__mmask16>(bits), _mm512_loadu_si512(idx),
                                    src);
}

}  // namespace
}  // namespace nn::kernels::avx512
