// kernels::dense: a layer's product, bias and activation in one pass over its outputs.
//
// Unfused, a layer writes x * w + b to memory, and a second pass reads it all back to apply the
// activation; for a batch of any size that second pass finds the start of the output long gone
// from L1. Here the rows are taken in bands of a few thousand outputs: each band is set to its
// bias, multiplied into (the gemm continues each output's FMA chain from the bias), and
// activated at once while it is still in L1. A single row (acting) goes to the SIMD paths'
// dense_row, which applies the bias and the activation to the accumulators themselves.
//
// Bit-identity: the band's product is the same gemm on a subset of rows (every output is the
// same FMA chain over k in increasing order, whichever rows are computed together), and the
// activation is the same kernel applied per element, so the result is exactly that of
// kernels::gemm followed by kernels::tanh / relu on the whole matrix, on every path; and
// dense_reference spells that out as one loop per output.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "nn/kernels/active_isa.hpp"
#include "nn/kernels/elementwise_paths.hpp"
#include "nn/kernels/gemm_internal.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/thread_pool.hpp"

namespace nn::kernels {

namespace {

using gemm_detail::kMinWorkPerThread;
using gemm_detail::kRowUnit;

// Outputs per band: 16 KB, half of L1, so a band written by the gemm is still there when its
// activation reads it back.
constexpr int kBandOutputs = 4096;
// A tanh band is also worth a thread of its own past this many outputs (the elementwise ops'
// threshold, op_support.hpp).
constexpr std::int64_t kMinOutputsPerThread = std::int64_t{1} << 15;

// Rows per band: whole tile units (kRowUnit rows), at least one. When w is large enough for the
// gemm to pack it (beyond L2), bands would repack it every time: one band takes all the rows.
int band_rows(int rows, int in, int out) {
  if (static_cast<std::int64_t>(in) * out > 256 * 1024) return rows;
  const int units = kBandOutputs / out / kRowUnit;
  return units < 1 ? kRowUnit : units * kRowUnit;
}

void activate(Activation act, float* y, std::int64_t n) {
  if (act == Activation::tanh) tanh(y, y, n);
  if (act == Activation::relu) relu(y, y, n);
}

// One band: rows [0, rows) of x and y.
void dense_band(Isa isa, int rows, int in, int out, const float* x, const float* w, const float* b,
                Activation act, float* y) {
  if (b != nullptr) {
    // The bias into every row: one row, then copies of the rows done so far (log2(rows) calls
    // instead of one per row; a 64-row band of 64 outputs made 64 calls of 256 bytes).
    const std::size_t row_bytes = static_cast<std::size_t>(out) * sizeof(float);
    std::memcpy(y, b, row_bytes);
    for (int done = 1; done < rows;) {
      const int now = rows - done < done ? rows - done : done;
      std::memcpy(y + static_cast<std::ptrdiff_t>(done) * out, y, now * row_bytes);
      done += now;
    }
  }
  gemm_detail::gemm_serial(isa, false, false, rows, out, in, x, in, w, out, y, out, b != nullptr);
  activate(act, y, static_cast<std::int64_t>(rows) * out);
}

// Rows [i0, i1) of dense on `isa`, band by band.
void dense_rows(Isa isa, int i0, int i1, int in, int out, const float* x, const float* w,
                const float* b, Activation act, float* y) {
  const int band = band_rows(i1 - i0, in, out);
  for (int i = i0; i < i1; i += band) {
    dense_band(isa, i1 - i < band ? i1 - i : band, in, out, x + static_cast<std::ptrdiff_t>(i) * in,
               w, b, act, y + static_cast<std::ptrdiff_t>(i) * out);
  }
}

// kernels::dense past the single-row route: one band, or bands over the pool. Out of line, so
// that its frame is not set up for a single row.
__attribute__((noinline)) void dense_bands(int rows, int in, int out, const float* x,
                                           const float* w, const float* b, Activation act,
                                           float* y) {
  if (rows <= 0 || out <= 0) return;
  if (in < 0) in = 0;
  const Isa isa = active_isa();
  const std::int64_t outputs = static_cast<std::int64_t>(rows) * out;
  if (outputs <= kBandOutputs) {  // one band (acting, small batches): no split to work out
    dense_band(isa, rows, in, out, x, w, b, act, y);
    return;
  }
  // As many threads as either the product or the activation is worth, in whole tile units.
  std::int64_t parts = outputs * in / kMinWorkPerThread;
  if (act != Activation::none && outputs / kMinOutputsPerThread > parts) {
    parts = outputs / kMinOutputsPerThread;
  }
  const int units = (rows + kRowUnit - 1) / kRowUnit;
  if (parts > units) parts = units;
  ThreadPool* pool = parts > 1 ? &default_pool() : nullptr;  // small layers never look it up
  if (pool != nullptr && parts > pool->num_threads()) parts = pool->num_threads();
  if (parts <= 1) {
    dense_rows(isa, 0, rows, in, out, x, w, b, act, y);
    return;
  }
  const int nparts = static_cast<int>(parts);
  pool->run([&](int ith, int nth) {
    for (int part = ith; part < nparts; part += nth) {
      const auto range = ThreadPool::split(units, part, nparts);
      const int i0 = static_cast<int>(range.first) * kRowUnit;
      const int i1 = static_cast<int>(range.second) * kRowUnit < rows
                         ? static_cast<int>(range.second) * kRowUnit
                         : rows;
      if (i0 < i1) dense_rows(isa, i0, i1, in, out, x, w, b, act, y);
    }
  });
}

}  // namespace

void dense(int rows, int in, int out, const float* x, const float* w, const float* b,
           Activation act, float* y) {
  // Acting (one row) on a SIMD path: the path's dense_row, activated in registers, reached by a
  // jump with nothing called on the way (see kernels::gemm for the same rule). The scalar path,
  // and the first call of the program (before the path is known), take dense_bands.
  if (rows == 1 && out >= 1 && in >= 0) {
    switch (isa_detail::active_isa_if_known()) {
#if defined(PHANTOM_X86_SIMD)
      case static_cast<int>(Isa::avx512):
        return avx512::dense_row(out, in, x, w, b, act, y);
      case static_cast<int>(Isa::avx2):
        return avx2::dense_row(out, in, x, w, b, act, y);
#endif
      default:
        break;
    }
  }
  dense_bands(rows, in, out, x, w, b, act, y);
}

void dense_reference(int rows, int in, int out, const float* x, const float* w, const float* b,
                     Activation act, float* y) {
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < out; ++j) {
      float acc = b != nullptr ? b[j] : 0.0f;
      for (int p = 0; p < in; ++p) acc = std::fma(x[i * in + p], w[p * out + j], acc);
      if (act == Activation::tanh) scalar::tanh(&acc, &acc, 1);
      if (act == Activation::relu) scalar::relu(&acc, &acc, 1);
      y[i * out + j] = acc;
    }
  }
}

}  // namespace nn::kernels
