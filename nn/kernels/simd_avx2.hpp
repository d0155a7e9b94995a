// The AVX2 + FMA SIMD vocabulary: the same 16-lane Vec as simd_avx512.hpp, held as two 8-wide
// halves (lanes 0..7 in lo, 8..15 in hi).
//
// Why 16 lanes on a machine with 8-wide registers: reductions are defined in a fixed 16-lane
// order (kernels.hpp), and emulating it keeps AVX2 bit-identical to AVX-512 and the scalar
// reference; for elementwise work the two halves are simply a 2x unrolled loop.
// Only for translation units compiled with -mavx2 -mfma (elementwise_avx2.cpp, gemm_avx2.cpp);
// everything sits in an anonymous namespace inside nn::kernels::avx2 (ODR safety, see
// simd_avx512.hpp).
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

namespace nn::kernels::avx2 {
namespace {

constexpr int kLanes = 16;

struct Vec {
  __m256 lo, hi;
};
struct IVec {  // 16 x int32
  __m256i lo, hi;
};
struct Mask {  // all-ones / all-zeros per lane, as produced by comparisons
  __m256 lo, hi;
};

inline Vec set1(float s) {
  return {_mm256_set1_ps(s), _mm256_set1_ps(s)};
}
inline IVec set1_i(int32_t s) {
  return {_mm256_set1_epi32(s), _mm256_set1_epi32(s)};
}
inline Vec load(const float* p) {
  return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)};
}
inline void store(float* p, Vec a) {
  _mm256_storeu_ps(p, a.lo);
  _mm256_storeu_ps(p + 8, a.hi);
}
/// Integer masks of the first n lanes, 0 <= n <= 16 (all-ones where lane < n).
inline void tail_masks(int64_t n, __m256i* lo, __m256i* hi) {
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i count = _mm256_set1_epi32(static_cast<int>(n));
  *lo = _mm256_cmpgt_epi32(count, iota);
  *hi = _mm256_cmpgt_epi32(count, _mm256_add_epi32(iota, _mm256_set1_epi32(8)));
}
/// Mask of the first n lanes, 0 <= n <= 16.
inline Mask tail_mask(int64_t n) {
  __m256i lo, hi;
  tail_masks(n, &lo, &hi);
  return {_mm256_castsi256_ps(lo), _mm256_castsi256_ps(hi)};
}
/// Loads p[0..n), 0 <= n < 16, never touching memory past it; other lanes get `fill`.
inline Vec load_tail(const float* p, int64_t n, float fill) {
  __m256i mlo, mhi;
  tail_masks(n, &mlo, &mhi);
  const __m256 f = _mm256_set1_ps(fill);
  // VMASKMOVPS does not fault on masked-out elements, so reading near the end of a buffer is safe.
  __m256 lo = _mm256_blendv_ps(f, _mm256_maskload_ps(p, mlo), _mm256_castsi256_ps(mlo));
  __m256 hi = _mm256_blendv_ps(f, _mm256_maskload_ps(p + 8, mhi), _mm256_castsi256_ps(mhi));
  return {lo, hi};
}
/// Stores the first n lanes, 0 <= n < 16, leaving memory past p[n - 1] untouched.
inline void store_tail(float* p, int64_t n, Vec a) {
  __m256i mlo, mhi;
  tail_masks(n, &mlo, &mhi);
  _mm256_maskstore_ps(p, mlo, a.lo);
  _mm256_maskstore_ps(p + 8, mhi, a.hi);
}

inline Vec add(Vec a, Vec b) {
  return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)};
}
inline Vec sub(Vec a, Vec b) {
  return {_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)};
}
inline Vec mul(Vec a, Vec b) {
  return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)};
}
inline Vec div(Vec a, Vec b) {
  return {_mm256_div_ps(a.lo, b.lo), _mm256_div_ps(a.hi, b.hi)};
}
/// a * b + c with one rounding.
inline Vec fma(Vec a, Vec b, Vec c) {
  return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
}
inline Vec sqrt(Vec a) {
  return {_mm256_sqrt_ps(a.lo), _mm256_sqrt_ps(a.hi)};
}
/// a < b ? a : b and a > b ? a : b (x86 MINPS/MAXPS rule; operand order is significant).
inline Vec min_of(Vec a, Vec b) {
  return {_mm256_min_ps(a.lo, b.lo), _mm256_min_ps(a.hi, b.hi)};
}
inline Vec max_of(Vec a, Vec b) {
  return {_mm256_max_ps(a.lo, b.lo), _mm256_max_ps(a.hi, b.hi)};
}

// Ordered, non-signalling comparisons: false when either side is NaN, like C++ <, >, ==.
template <int kPredicate>
inline Mask cmp(Vec a, Vec b) {
  return {_mm256_cmp_ps(a.lo, b.lo, kPredicate), _mm256_cmp_ps(a.hi, b.hi, kPredicate)};
}
inline Mask lt(Vec a, Vec b) {
  return cmp<_CMP_LT_OQ>(a, b);
}
inline Mask gt(Vec a, Vec b) {
  return cmp<_CMP_GT_OQ>(a, b);
}
inline Mask ge(Vec a, Vec b) {
  return cmp<_CMP_GE_OQ>(a, b);
}
inline Mask eq(Vec a, Vec b) {
  return cmp<_CMP_EQ_OQ>(a, b);
}
inline Mask mask_and(Mask a, Mask b) {
  return {_mm256_and_ps(a.lo, b.lo), _mm256_and_ps(a.hi, b.hi)};
}
inline bool all(Mask m) {
  return (_mm256_movemask_ps(m.lo) & _mm256_movemask_ps(m.hi)) == 0xff;
}
inline bool any(Mask m) {
  return (_mm256_movemask_ps(m.lo) | _mm256_movemask_ps(m.hi)) != 0;
}
/// m ? a : b, lane by lane.
inline Vec select(Mask m, Vec a, Vec b) {
  return {_mm256_blendv_ps(b.lo, a.lo, m.lo), _mm256_blendv_ps(b.hi, a.hi, m.hi)};
}
inline IVec select_i(Mask m, IVec a, IVec b) {
  __m256 lo = _mm256_blendv_ps(_mm256_castsi256_ps(b.lo), _mm256_castsi256_ps(a.lo), m.lo);
  __m256 hi = _mm256_blendv_ps(_mm256_castsi256_ps(b.hi), _mm256_castsi256_ps(a.hi), m.hi);
  return {_mm256_castps_si256(lo), _mm256_castps_si256(hi)};
}

// Bit-level views and integer lanes (two's complement, wrapping like uint32_t arithmetic).
inline IVec to_bits(Vec a) {
  return {_mm256_castps_si256(a.lo), _mm256_castps_si256(a.hi)};
}
inline Vec from_bits(IVec a) {
  return {_mm256_castsi256_ps(a.lo), _mm256_castsi256_ps(a.hi)};
}
inline IVec add_i(IVec a, IVec b) {
  return {_mm256_add_epi32(a.lo, b.lo), _mm256_add_epi32(a.hi, b.hi)};
}
inline IVec sub_i(IVec a, IVec b) {
  return {_mm256_sub_epi32(a.lo, b.lo), _mm256_sub_epi32(a.hi, b.hi)};
}
inline IVec and_i(IVec a, IVec b) {
  return {_mm256_and_si256(a.lo, b.lo), _mm256_and_si256(a.hi, b.hi)};
}
inline IVec or_i(IVec a, IVec b) {
  return {_mm256_or_si256(a.lo, b.lo), _mm256_or_si256(a.hi, b.hi)};
}
template <int kBits>
inline IVec shl_i(IVec a) {
  return {_mm256_slli_epi32(a.lo, kBits), _mm256_slli_epi32(a.hi, kBits)};
}
template <int kBits>
inline IVec shr_logical_i(IVec a) {
  return {_mm256_srli_epi32(a.lo, kBits), _mm256_srli_epi32(a.hi, kBits)};
}
template <int kBits>
inline IVec shr_arith_i(IVec a) {
  return {_mm256_srai_epi32(a.lo, kBits), _mm256_srai_epi32(a.hi, kBits)};
}
/// int32 -> float, exact for the small integers we convert.
inline Vec to_float(IVec a) {
  return {_mm256_cvtepi32_ps(a.lo), _mm256_cvtepi32_ps(a.hi)};
}
/// float -> int32 (truncating; exact for the integral values we convert).
inline IVec to_int(Vec a) {
  return {_mm256_cvttps_epi32(a.lo), _mm256_cvttps_epi32(a.hi)};
}

/// 2^e from integer exponents e in [-126, 127], built from the float bit layout.
inline Vec pow2_of_int(IVec e) {
  return from_bits(shl_i<23>(add_i(e, set1_i(127))));
}
/// 2^n for integral n in [-126, 127].
inline Vec pow2_of(Vec n) {
  return pow2_of_int(to_int(n));
}
/// y * 2^n for integral n in [-150, 129], rounded once: 2^n may not be a float, so scale in two
/// steps, 2^n1 * 2^n2 with n1 = floor(n / 2); the first product is exact, the second rounds.
inline Vec ldexp_of(Vec y, Vec n) {
  IVec ni = to_int(n);
  IVec n1 = shr_arith_i<1>(ni);
  return mul(mul(y, pow2_of_int(n1)), pow2_of_int(sub_i(ni, n1)));
}

/// The fixed pairwise tree of kernels.hpp: lane[l] = lane[l] + lane[l + w] for w = 8, 4, 2, 1
/// (w = 8 is adding the two halves).
inline float tree_sum(Vec a) {
  __m256 s8 = _mm256_add_ps(a.lo, a.hi);
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
  return _mm_cvtss_f32(s1);
}
/// The same tree with lane[l] = lane[l + w] > lane[l] ? lane[l + w] : lane[l].
inline float tree_max(Vec a) {
  __m256 s8 = _mm256_max_ps(a.hi, a.lo);
  __m128 s4 = _mm_max_ps(_mm256_extractf128_ps(s8, 1), _mm256_castps256_ps128(s8));
  __m128 s2 = _mm_max_ps(_mm_movehl_ps(s4, s4), s4);
  __m128 s1 = _mm_max_ss(_mm_movehdup_ps(s2), s2);
  return _mm_cvtss_f32(s1);
}

// --- Whole registers (the gemm kernels) -------------------------------------------------------
// gemm_impl.hpp tiles its output over the machine's registers, not over 16-lane Vecs: a Reg is
// one ymm register, and the tile sizes follow from kRegLanes and kRegCount.

/// One ymm register of floats.
using Reg = __m256;
/// Floats per Reg.
constexpr int kRegLanes = 8;
/// Vector registers the instruction set has.
constexpr int kRegCount = 16;
/// Selects the first lanes of a Reg for partial loads and stores (all bits set in each lane).
using RegMask = __m256i;
/// Masked loads and stores (VMASKMOVPS) are slower than plain ones, so kernels keep an unmasked
/// variant for full-width work.
constexpr bool kRegMasksAreFree = false;

/// The first `count` lanes, 0 <= count <= 8.
inline RegMask reg_first_lanes(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline Reg reg_zero() {
  return _mm256_setzero_ps();
}
inline Reg reg_set1(float s) {
  return _mm256_set1_ps(s);
}
inline Reg reg_load(const float* p) {
  return _mm256_loadu_ps(p);
}
/// Lanes in `m` from p, the others 0; memory behind the other lanes is not touched.
inline Reg reg_load_masked(const float* p, RegMask m) {
  return _mm256_maskload_ps(p, m);
}
inline void reg_store(float* p, Reg a) {
  _mm256_storeu_ps(p, a);
}
/// Stores the lanes in `m` only.
inline void reg_store_masked(float* p, RegMask m, Reg a) {
  _mm256_maskstore_ps(p, m, a);
}
/// a * b + c with one rounding.
inline Reg reg_fma(Reg a, Reg b, Reg c) {
  return _mm256_fmadd_ps(a, b, c);
}
/// An empty asm statement that claims to modify `v`: the compiler must keep v in a register
/// instead of folding the load that produced it into each instruction that uses it.
inline void reg_keep(Reg& v) {
  __asm__("" : "+x"(v));
}

/// Registers per 16-lane Vec, and the two views of the same lanes (for an activation from
/// math_impl.hpp applied to accumulators): a Vec is two ymm registers, low lanes first.
constexpr int kRegsPerVec = 2;
inline Vec vec_from_regs(const Reg* r) {
  return {r[0], r[1]};
}
inline void regs_from_vec(Vec v, Reg* r) {
  r[0] = v.lo;
  r[1] = v.hi;
}

// --- Lane moves (gemm's narrow route: in-register transposes) ---------------------------------

/// Four floats, one 128-bit lane of a Reg (an SSE register on both instruction sets).
using Quad = __m128;
/// p[0 .. count), count in 0..3, the other lanes zero; nothing past p[count - 1] is read.
inline Quad quad_load_first(const float* p, int count) {
  return _mm_maskload_ps(p, _mm_cmpgt_epi32(_mm_set1_epi32(count), _mm_setr_epi32(0, 1, 2, 3)));
}
/// The register whose 128-bit lane L is q[L], L = 0..1.
inline Reg reg_from_quads(const Quad* q) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(q[0]), q[1], 1);
}
/// The steps of a 4x4 transpose inside each 128-bit lane: UNPCKLPS, UNPCKHPS and SHUFPS.
inline Reg reg_unpacklo_in_lanes(Reg x, Reg y) {
  return _mm256_unpacklo_ps(x, y);
}
inline Reg reg_unpackhi_in_lanes(Reg x, Reg y) {
  return _mm256_unpackhi_ps(x, y);
}
template <int kImm>
inline Reg reg_shuffle_in_lanes(Reg x, Reg y) {
  return _mm256_shuffle_ps(x, y, kImm);
}
/// `base` with each lane l where sel[l] != 0 (`bits` says the same as a bit mask, for AVX-512)
/// replaced by src[idx[l]].
inline Reg reg_permute_into(Reg base, Reg src, const int* idx, const int* sel, unsigned bits) {
  (void)bits;
  const __m256i i = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx));
  const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sel));
  return _mm256_blendv_ps(base, _mm256_permutevar8x32_ps(src, i), _mm256_castsi256_ps(m));
}

}  // namespace
}  // namespace nn::kernels::avx2
