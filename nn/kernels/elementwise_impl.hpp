// The elementwise, reduction, softmax and Adam kernels on 16-lane vectors, written once for
// every SIMD path.
//
// Not a standalone header: elementwise_avx2.cpp and elementwise_avx512.cpp include it inside
// their own `namespace nn::kernels::<isa> { namespace {`, after their vocabulary header and
// math_impl.hpp (and after <algorithm>). The functions keep the public names and signatures of
// kernels.hpp so that the ISA file can fill its dispatch table with PHANTOM_ELEMENTWISE_TABLE.
//
// How the paths stay bit-identical to the scalar reference (elementwise_scalar.cpp):
//  * maps apply the reference formula per lane; the last n % 16 elements go through the same
//    formula with masked loads and stores (no scalar tail, no reading past the end);
//  * reductions keep element j in lane j % 16 (one accumulator register, rows start at lane 0)
//    and finish with tree_sum / tree_max, the reference's pairwise tree. Masked-off tail lanes
//    load a neutral value: +0 for sums (a lane that starts at +0 can never become -0, so adding
//    +0 changes nothing) and -inf for max (never greater than anything);
//  * out may alias an input: every element is read before it is written, at the same index.

// --- loop skeletons ---------------------------------------------------------------------------

/// out[i] = f(x[i]) for vectors of x. f is always a lambda: its unique type makes the compiler
/// instantiate and inline the loop body (a plain function pointer may end up as an indirect call
/// per vector). Two vectors per iteration: exp, log and tanh are long
/// dependency chains, and a second independent chain keeps both vector pipes busy.
template <class F>
inline void map1(const float* x, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    Vec a = f(load(x + i)), b = f(load(x + i + kLanes));
    store(out + i, a);
    store(out + i + kLanes, b);
  }
  for (; i + kLanes <= n; i += kLanes) store(out + i, f(load(x + i)));
  if (i < n) store_tail(out + i, n - i, f(load_tail(x + i, n - i, 0.0f)));
}

/// out[i] = f(a[i], b[i]).
template <class F>
inline void map2(const float* a, const float* b, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(out + i, f(load(a + i), load(b + i)));
  if (i < n) {
    int64_t t = n - i;
    store_tail(out + i, t, f(load_tail(a + i, t, 0.0f), load_tail(b + i, t, 0.0f)));
  }
}

/// out[i] = f(a[i], b[i], out[i]): the accumulating forms.
template <class F>
inline void map3_acc(const float* a, const float* b, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(out + i, f(load(a + i), load(b + i), load(out + i)));
  if (i < n) {
    int64_t t = n - i;
    store_tail(
        out + i, t,
        f(load_tail(a + i, t, 0.0f), load_tail(b + i, t, 0.0f), load_tail(out + i, t, 0.0f)));
  }
}

// --- elementwise maps -------------------------------------------------------------------------

void add(const float* a, const float* b, float* out, int64_t n) {
  map2(a, b, out, n, [](Vec x, Vec y) { return add(x, y); });
}
void sub(const float* a, const float* b, float* out, int64_t n) {
  map2(a, b, out, n, [](Vec x, Vec y) { return sub(x, y); });
}
void mul(const float* a, const float* b, float* out, int64_t n) {
  map2(a, b, out, n, [](Vec x, Vec y) { return mul(x, y); });
}
void div(const float* a, const float* b, float* out, int64_t n) {
  map2(a, b, out, n, [](Vec x, Vec y) { return div(x, y); });
}
void minimum(const float* a, const float* b, float* out, int64_t n) {
  map2(a, b, out, n, [](Vec x, Vec y) { return min_of(y, x); });  // b < a ? b : a
}
void maximum(const float* a, const float* b, float* out, int64_t n) {
  map2(a, b, out, n, [](Vec x, Vec y) { return max_of(y, x); });  // b > a ? b : a
}
void add_scalar(const float* a, float s, float* out, int64_t n) {
  const Vec sv = set1(s);
  map1(a, out, n, [sv](Vec x) { return add(x, sv); });
}
void mul_scalar(const float* a, float s, float* out, int64_t n) {
  const Vec sv = set1(s);
  map1(a, out, n, [sv](Vec x) { return mul(x, sv); });
}
void clamp(const float* x, float lo, float hi, float* out, int64_t n) {
  const Vec lov = set1(lo), hiv = set1(hi);
  // x < lo ? lo : x, then v > hi ? hi : v (NaN stays NaN).
  map1(x, out, n, [lov, hiv](Vec v) { return min_of(hiv, max_of(lov, v)); });
}
void square(const float* x, float* out, int64_t n) {
  map1(x, out, n, [](Vec v) { return mul(v, v); });
}
void sqrt(const float* x, float* out, int64_t n) {
  map1(x, out, n, [](Vec v) { return sqrt(v); });
}
void relu(const float* x, float* out, int64_t n) {
  map1(x, out, n, [](Vec v) { return max_of(v, set1(0.0f)); });  // x > 0 ? x : 0
}
void exp(const float* x, float* out, int64_t n) {
  map1(x, out, n, [](Vec v) { return vexp(v); });
}
void log(const float* x, float* out, int64_t n) {
  map1(x, out, n, [](Vec v) { return vlog(v); });
}
void tanh(const float* x, float* out, int64_t n) {
  map1(x, out, n, [](Vec v) { return vtanh(v); });
}
void sigmoid(const float* x, float* out, int64_t n) {
  map1(x, out, n, [](Vec v) { return vsigmoid(v); });
}
void softplus(const float* x, float* out, int64_t n) {
  map1(x, out, n, [](Vec v) { return vsoftplus(v); });
}

// --- accumulating forms -----------------------------------------------------------------------

void acc(const float* x, float* out, int64_t n) {
  map2(out, x, out, n, [](Vec o, Vec v) { return add(o, v); });
}
void acc_scaled(const float* x, float s, float* out, int64_t n) {
  const Vec sv = set1(s);
  map2(x, out, out, n, [sv](Vec v, Vec o) { return fma(v, sv, o); });
}
void acc_mul(const float* x, const float* y, float* out, int64_t n) {
  map3_acc(x, y, out, n, [](Vec a, Vec b, Vec o) { return fma(a, b, o); });
}
void acc_div(const float* x, const float* y, float* out, int64_t n) {
  map3_acc(x, y, out, n, [](Vec a, Vec b, Vec o) { return add(o, div(a, b)); });
}
void tanh_backward(const float* dy, const float* y, float* dx, int64_t n) {
  map3_acc(dy, y, dx, n, [](Vec d, Vec v, Vec o) {
    return add(o, mul(d, sub(set1(1.0f), mul(v, v))));  // dx + dy * (1 - y * y)
  });
}
void sigmoid_backward(const float* dy, const float* y, float* dx, int64_t n) {
  map3_acc(dy, y, dx, n, [](Vec d, Vec v, Vec o) {
    return add(o, mul(d, mul(v, sub(set1(1.0f), v))));  // dx + dy * (y * (1 - y))
  });
}
void relu_backward(const float* dy, const float* x, float* dx, int64_t n) {
  map3_acc(dy, x, dx, n, [](Vec d, Vec v, Vec o) {
    const Vec zero = set1(0.0f);
    return add(o, select(gt(v, zero), d, zero));  // dx + (x > 0 ? dy : 0)
  });
}

// --- reductions -------------------------------------------------------------------------------

float sum(const float* x, int64_t n) {
  Vec acc = set1(0.0f);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) acc = add(acc, load(x + i));
  if (i < n) acc = add(acc, load_tail(x + i, n - i, 0.0f));
  return tree_sum(acc);
}

float sum_squares(const float* x, int64_t n) {
  Vec acc = set1(0.0f);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Vec v = load(x + i);
    acc = fma(v, v, acc);
  }
  if (i < n) {
    Vec v = load_tail(x + i, n - i, 0.0f);
    acc = fma(v, v, acc);
  }
  return tree_sum(acc);
}

/// Lane update m = x > m ? x : m is max_of(x, m).
float max(const float* x, int64_t n) {
  Vec m = set1(-kInfinity);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) m = max_of(load(x + i), m);
  if (i < n) m = max_of(load_tail(x + i, n - i, -kInfinity), m);
  return tree_max(m);
}

/// Columns in strips of up to 4 vectors (64 floats): each strip's accumulators stay in
/// registers while the rows stream past, and every out[c] still adds rows in increasing r.
void col_sum_acc(const float* x, int64_t rows, int64_t cols, float* out) {
  int64_t c = 0;
  for (; c + 4 * kLanes <= cols; c += 4 * kLanes) {
    Vec a0 = load(out + c), a1 = load(out + c + kLanes);
    Vec a2 = load(out + c + 2 * kLanes), a3 = load(out + c + 3 * kLanes);
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * cols + c;
      a0 = add(a0, load(xr));
      a1 = add(a1, load(xr + kLanes));
      a2 = add(a2, load(xr + 2 * kLanes));
      a3 = add(a3, load(xr + 3 * kLanes));
    }
    store(out + c, a0);
    store(out + c + kLanes, a1);
    store(out + c + 2 * kLanes, a2);
    store(out + c + 3 * kLanes, a3);
  }
  for (; c + kLanes <= cols; c += kLanes) {
    Vec a = load(out + c);
    for (int64_t r = 0; r < rows; ++r) a = add(a, load(x + r * cols + c));
    store(out + c, a);
  }
  if (c < cols) {
    int64_t t = cols - c;
    Vec a = load_tail(out + c, t, 0.0f);
    for (int64_t r = 0; r < rows; ++r) a = add(a, load_tail(x + r * cols + c, t, 0.0f));
    store_tail(out + c, t, a);
  }
}

// --- dense layer backward fold ----------------------------------------------------------------

/// dz = f(dy, y) + 0 and db[c] += dz[r][c] (db may be null), in one pass. Columns go in strips of
/// up to 4 vectors as in col_sum_acc, so a strip of db stays in registers while the rows stream
/// past and every db[c] still adds rows in increasing r. Masked-off tail lanes compute on zeros
/// and are never stored.
template <class F>
inline void fold_rows(const float* dy, const float* y, int64_t rows, int64_t cols, float* dz,
                      float* db, F f) {
  const Vec zero = set1(0.0f);
  int64_t c = 0;
  for (; c + 4 * kLanes <= cols; c += 4 * kLanes) {
    Vec a[4];
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) a[v] = db ? load(db + c + v * kLanes) : zero;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t at = r * cols + c;
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) {
        const Vec d = add(f(load(dy + at + v * kLanes), load(y + at + v * kLanes)), zero);
        store(dz + at + v * kLanes, d);
        a[v] = add(a[v], d);
      }
    }
    if (db) {
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) store(db + c + v * kLanes, a[v]);
    }
  }
  for (; c + kLanes <= cols; c += kLanes) {
    Vec a = db ? load(db + c) : zero;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t at = r * cols + c;
      const Vec d = add(f(load(dy + at), load(y + at)), zero);
      store(dz + at, d);
      a = add(a, d);
    }
    if (db) store(db + c, a);
  }
  if (c < cols) {
    const int64_t t = cols - c;
    Vec a = db ? load_tail(db + c, t, 0.0f) : zero;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t at = r * cols + c;
      const Vec d = add(f(load_tail(dy + at, t, 0.0f), load_tail(y + at, t, 0.0f)), zero);
      store_tail(dz + at, t, d);
      a = add(a, d);
    }
    if (db) store_tail(db + c, t, a);
  }
}

/// The per-element formulas are tanh_backward's and relu_backward's terms (see kernels.hpp).
void dense_fold(const float* dy, const float* y, int64_t rows, int64_t cols, Activation act,
                float* dz, float* db) {
  if (act == Activation::tanh) {
    fold_rows(dy, y, rows, cols, dz, db,
              [](Vec d, Vec v) { return mul(d, sub(set1(1.0f), mul(v, v))); });
  } else if (act == Activation::relu) {
    fold_rows(dy, y, rows, cols, dz, db, [](Vec d, Vec v) {
      const Vec zero = set1(0.0f);
      return select(gt(v, zero), d, zero);
    });
  }
}

// --- softmax rows -----------------------------------------------------------------------------

/// Sum over the row of exp(x - m), 16-lane order; if `out` is given, also stores the exps.
inline Vec row_exp_sum(const float* x, Vec m, int64_t cols, float* out) {
  Vec acc = set1(0.0f);
  int64_t c = 0;
  for (; c + kLanes <= cols; c += kLanes) {
    Vec e = vexp(sub(load(x + c), m));
    if (out) store(out + c, e);
    acc = add(acc, e);
  }
  if (c < cols) {
    int64_t t = cols - c;
    Vec e = vexp(sub(load_tail(x + c, t, 0.0f), m));
    if (out) store_tail(out + c, t, e);
    // exp(0 - m) in the unused lanes must not reach the sum: add +0 there instead.
    acc = add(acc, select(tail_mask(t), e, set1(0.0f)));
  }
  return acc;
}

// Rows of at most 16 columns (action logits: 2, 3, 7...) are too short for a row-wise pass to
// pay for its horizontal max/sum, so 16 rows are done at once with one row per lane. The
// column vectors replay the row-wise reduction exactly: lane j of a row is column j (-inf / +0
// beyond the row), and the pairwise tree of tree_max/tree_sum becomes vertical max_of/add
// between column vectors. Every row therefore gets bit-identical results either way.
template <bool kLog>
void softmax_16_short_rows(const float* x, int64_t cols, float* out) {
  alignas(64) float buf[kLanes];
  Vec xv[kLanes], t[kLanes];
  for (int64_t j = 0; j < kLanes; ++j) {
    if (j < cols) {
      for (int64_t r = 0; r < kLanes; ++r) buf[r] = x[r * cols + j];
      xv[j] = load(buf);
      t[j] = max_of(xv[j], set1(-kInfinity));  // as max(): lane = max_of(load, -inf)
    } else {
      t[j] = set1(-kInfinity);
    }
  }
  for (int64_t w = kLanes / 2; w >= 1; w /= 2)
    for (int64_t l = 0; l < w; ++l) t[l] = max_of(t[l + w], t[l]);  // tree_max's operand order
  const Vec m = t[0];
  Vec e[kLanes];
  for (int64_t j = 0; j < kLanes; ++j) {
    if (j < cols) {
      e[j] = vexp(sub(xv[j], m));
      t[j] = add(set1(0.0f), e[j]);  // row_exp_sum: acc (= +0) + e
    } else {
      t[j] = set1(0.0f);
    }
  }
  for (int64_t w = kLanes / 2; w >= 1; w /= 2)
    for (int64_t l = 0; l < w; ++l) t[l] = add(t[l], t[l + w]);  // tree_sum
  const Vec s = t[0];
  const Vec log_s = kLog ? vlog(s) : s;
  for (int64_t j = 0; j < cols; ++j) {
    store(buf, kLog ? sub(sub(xv[j], m), log_s) : div(e[j], s));
    for (int64_t r = 0; r < kLanes; ++r) out[r * cols + j] = buf[r];
  }
}

// The last rows - r (< kLanes, at least 2) short rows through softmax_16_short_rows, padded
// with rows of zeros: a few short rows (a policy acting for a handful of agents) cost one block
// instead of a horizontal reduction each. Rows never mix, so the results are the same bits.
template <bool kLog>
int64_t softmax_padded_tail(const float* x, int64_t r, int64_t rows, int64_t cols, float* out) {
  const int64_t left = rows - r;
  if (cols > kLanes || left < 2) return r;
  alignas(64) float in[kLanes * kLanes] = {};  // 1 KB of zeros: the padding rows
  alignas(64) float result[kLanes * kLanes];
  std::copy_n(x + r * cols, left * cols, in);
  softmax_16_short_rows<kLog>(in, cols, result);
  std::copy_n(result, left * cols, out + r * cols);
  return rows;
}

void softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  int64_t r = 0;
  if (cols <= kLanes)
    for (; r + kLanes <= rows; r += kLanes)
      softmax_16_short_rows<false>(x + r * cols, cols, out + r * cols);
  r = softmax_padded_tail<false>(x, r, rows, cols, out);
  for (; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    const Vec m = set1(max(xr, cols));
    const Vec s = set1(tree_sum(row_exp_sum(xr, m, cols, o)));
    map1(o, o, cols, [s](Vec e) { return div(e, s); });
  }
}

void log_softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  int64_t r = 0;
  if (cols <= kLanes)
    for (; r + kLanes <= rows; r += kLanes)
      softmax_16_short_rows<true>(x + r * cols, cols, out + r * cols);
  r = softmax_padded_tail<true>(x, r, rows, cols, out);
  for (; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    const Vec m = set1(max(xr, cols));
    const Vec log_s = vlog(set1(tree_sum(row_exp_sum(xr, m, cols, nullptr))));
    map1(xr, o, cols, [m, log_s](Vec v) { return sub(sub(v, m), log_s); });
  }
}

// 16 rows of at most 16 columns at once, one row per lane, as softmax_16_short_rows: a policy
// head's rows are too short for a horizontal sum each. The column vectors replay sum() exactly
// (lane j of a row's accumulator is +0 + column j, +0 beyond the row, then tree_sum's pairwise
// tree between column vectors), and each column then gets the per-row formula lane by lane.
void log_softmax_backward_16_short_rows(const float* g, const float* y, int64_t cols, float* dx) {
  alignas(64) float buf[kLanes];
  const auto column = [&buf, cols](const float* m, int64_t j) {
    for (int64_t r = 0; r < kLanes; ++r) buf[r] = m[r * cols + j];
    return load(buf);
  };
  Vec gv[kLanes], t[kLanes];
  for (int64_t j = 0; j < kLanes; ++j) {
    if (j < cols) {
      gv[j] = column(g, j);
      t[j] = add(set1(0.0f), gv[j]);  // sum: acc (= +0) + x
    } else {
      t[j] = set1(0.0f);
    }
  }
  for (int64_t w = kLanes / 2; w >= 1; w /= 2)
    for (int64_t l = 0; l < w; ++l) t[l] = add(t[l], t[l + w]);  // tree_sum
  // -total as the row-wise version negates it: a sign flip (of a NaN too), done on the scalars.
  store(buf, t[0]);
  for (int64_t r = 0; r < kLanes; ++r) buf[r] = -buf[r];
  const Vec neg_total = load(buf);
  for (int64_t j = 0; j < cols; ++j) {
    const Vec yv = column(y, j), o = column(dx, j);
    store(buf, fma(vexp(yv), neg_total, add(o, gv[j])));
    for (int64_t r = 0; r < kLanes; ++r) dx[r * cols + j] = buf[r];
  }
}

void log_softmax_backward_rows(const float* g, const float* y, int64_t rows, int64_t cols,
                               float* dx) {
  int64_t r = 0;
  if (cols <= kLanes) {
    for (; r + kLanes <= rows; r += kLanes) {
      log_softmax_backward_16_short_rows(g + r * cols, y + r * cols, cols, dx + r * cols);
    }
  }
  for (; r < rows; ++r) {
    const float* gr = g + r * cols;
    const Vec neg_total = set1(-sum(gr, cols));
    // acc's dx + g, then acc_scaled's fma(exp(y), -total, .), per lane.
    map3_acc(gr, y + r * cols, dx + r * cols, cols,
             [neg_total](Vec gv, Vec yv, Vec o) { return fma(vexp(yv), neg_total, add(o, gv)); });
  }
}

// --- Adam -------------------------------------------------------------------------------------

void adam_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1,
                 float b2, float eps, float c1, float c2) {
  const Vec b1v = set1(b1), b2v = set1(b2), one_minus_b1 = set1(1.0f - b1),
            one_minus_b2 = set1(1.0f - b2), epsv = set1(eps);
  // The per-call constants exactly as the scalar reference computes them (IEEE div and sqrt).
  const Vec step_size = div(set1(lr), set1(c1));
  const Vec inv_sqrt_c2 = div(set1(1.0f), sqrt(set1(c2)));
  // The reference formula, operation for operation (no fma).
  auto step = [&](Vec pv, Vec gv, Vec* mv, Vec* vv) {
    *mv = add(mul(b1v, *mv), mul(one_minus_b1, gv));
    *vv = add(mul(b2v, *vv), mul(one_minus_b2, mul(gv, gv)));
    return sub(pv, div(mul(step_size, *mv), add(mul(sqrt(*vv), inv_sqrt_c2), epsv)));
  };
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Vec mv = load(m + i), vv = load(v + i);
    Vec pv = step(load(p + i), load(g + i), &mv, &vv);
    store(m + i, mv);
    store(v + i, vv);
    store(p + i, pv);
  }
  if (i < n) {
    int64_t t = n - i;
    Vec mv = load_tail(m + i, t, 0.0f), vv = load_tail(v + i, t, 0.0f);
    Vec pv = step(load_tail(p + i, t, 0.0f), load_tail(g + i, t, 0.0f), &mv, &vv);
    store_tail(m + i, t, mv);
    store_tail(v + i, t, vv);
    store_tail(p + i, t, pv);
  }
}
