// The LSTM of the fused kernels (fused.cpp) on one chunk of W rows: a run's weights and input
// lookup table, its symbols as 32-bit ints (and ordered by length), one step forward and
// backward with the states in registers, and the per-run gradient accumulators.
#pragma once

#include "fused_simd.h"

// ---- one run's weights ----------------------------------------------------------------------

struct Net {
  const float *w_ih, *w_hh, *b_ih, *b_hh, *out_w, *out_b;
};

INLINE Net net_of(const float* const* p, int r, int H, int V, int out) {
  Net n;
  n.w_ih = p[0] + (size_t)r * 4 * H * V;
  n.w_hh = p[1] + (size_t)r * 4 * H * H;
  n.b_ih = p[2] + (size_t)r * 4 * H;
  n.b_hh = p[3] + (size_t)r * 4 * H;
  n.out_w = p[4] + (size_t)r * out * H;
  n.out_b = p[5] + (size_t)r * out;
  return n;
}

// The input lookup table (4H rows of VP floats): input weights plus both biases, and the
// recurrent weights (4H, H); the rows of the sigmoid gates (input, forget, output) halved.
static void fill_table(const Net& n, int H, int V, int VP, float* table) {
  float* w_hh = table + 4 * H * VP;
  for (int j = 0; j < 4 * H; j++) {
    float bias = n.b_ih[j] + n.b_hh[j], scale = (j / H == 2) ? 1.0f : 0.5f;
    for (int v = 0; v < VP; v++)
      table[j * VP + v] = v < V ? scale * (n.w_ih[j * V + v] + bias) : 0.0f;
    UNROLL for (int k = 0; k < H; k++) w_hh[j * H + k] = scale * n.w_hh[j * H + k];
  }
}

// Vectors of the table and its recurrent weights.
INLINE size_t table_vectors(int H, int VP) { return (4 * H * VP + 4 * H * H + W - 1) / W; }

INLINE vf lookup(const float* row, vi tok, int VP) {
#if defined(__AVX512F__)
  if (VP == 16) return (vf)_mm512_permutexvar_ps((__m512i)tok, _mm512_load_ps(row));
  if (VP == 32)
    return (vf)_mm512_permutex2var_ps(_mm512_load_ps(row), (__m512i)tok, _mm512_load_ps(row + 16));
  return (vf)_mm512_i32gather_ps((__m512i)tok, row, 4);
#else
  (void)VP;
  return (vf)_mm256_i32gather_ps(row, (__m256i)tok, 4);
#endif
}

// One run's symbols ids (steps, batch) as 32-bit ints (steps, BP), BP = batch rounded up to
// whole chunks, the padding lanes 0; lane i holds row perm[i] (row i without a perm, none if
// perm[i] < 0). If `shifted`, the inputs of teacher forcing instead: `.` first, then each
// step's symbol one step later.
static void run_tokens(const int64_t* ids, int steps, int batch, int BP, int shifted,
                       const int32_t* perm, int32_t* out) {
  for (int t = 0; t < steps; t++) {
    int src = shifted ? t - 1 : t;
    for (int i = 0; i < BP; i++) {
      int b = perm ? perm[i] : i < batch ? i : -1;
      out[t * BP + i] = src < 0 ? START_ID : b >= 0 ? (int32_t)ids[(size_t)src * batch + b] : 0;
    }
  }
}

// A run's rows ordered by the steps their likelihood needs (up to and including the first `$`,
// every step if `whole`), shortest first, so that a chunk stops at its longest row and no work
// is spent on masked steps: perm[i] is the row in lane i (-1 past the batch), chunk_steps[c]
// the steps of chunk c. The order only changes the order of sums.
static void order_rows(const int64_t* ids, int steps, int batch, int BP, int end, int whole,
                       int32_t* len, int32_t* perm, int32_t* chunk_steps) {
  int count[258] = {0};  // steps <= 256 (fused.MAX_STEPS)
  for (int b = 0; b < batch; b++) {
    int L = steps;
    if (!whole)
      for (int t = 0; t < steps; t++)
        if (ids[(size_t)t * batch + b] == end) {
          L = t + 1;
          break;
        }
    len[b] = L;
    count[L + 1]++;
  }
  for (int L = 1; L <= steps + 1; L++) count[L] += count[L - 1];
  for (int b = 0; b < batch; b++) perm[count[len[b]]++] = b;
  for (int i = batch; i < BP; i++) perm[i] = -1;
  for (int c = 0; c < BP / W; c++) {
    int last = c * W + W - 1 < batch ? c * W + W - 1 : batch - 1;
    chunk_steps[c] = len[perm[last]];
  }
}

INLINE vi load_tok(const int32_t* tok, int t, int BP, int b0) {
  return *(const vi*)(tok + (size_t)t * BP + b0);
}

INLINE int padded_batch(int batch) { return (batch + W - 1) / W * W; }

// Per-step saved state of a chunk, in vectors: activated gates (4H), c_{t-1}, tanh(c_t),
// h_{t-1}, h_t (H each); the generator adds its softmax's exps (V) and their total.
template <int H>
struct Slots {
  static const int ACT = 0, CPREV = 4 * H, TC = 5 * H, HPREV = 6 * H, HNEW = 7 * H, EXPS = 8 * H;
};

// One LSTM step of a chunk: reads h, c (H vectors each), writes the step's slots and the new
// h, c in place.
template <int H>
INLINE void lstm_step(const float* table, int VP, vi tok, vf* h, vf* c, vf* slot) {
  typedef Slots<H> S;
  const float* w_hh = table + 4 * H * VP;  // fill_table's recurrent weights
  vf hn[H];
  UNROLL for (int k = 0; k < H; k++) slot[S::HPREV + k] = h[k], slot[S::CPREV + k] = c[k];
  UNROLL for (int k = 0; k < H; k++) {
    vf pre[4];
    UNROLL for (int q = 0; q < 4; q++) {
      int j = q * H + k;
      vf a = lookup(table + j * VP, tok, VP);
      const float* w = w_hh + j * H;
      UNROLL for (int m = 0; m < H; m++) a += w[m] * h[m];
      pre[q] = a;
    }
    vf i = vsigmoid_of_half(pre[0]), f = vsigmoid_of_half(pre[1]);
    vf g = vtanh(pre[2]), o = vsigmoid_of_half(pre[3]);
    slot[S::ACT + k] = i, slot[S::ACT + H + k] = f;
    slot[S::ACT + 2 * H + k] = g, slot[S::ACT + 3 * H + k] = o;
    vf cn = f * c[k] + i * g;
    vf tc = vtanh(cn);
    slot[S::TC + k] = tc;
    c[k] = cn;
    hn[k] = o * tc;
  }
  UNROLL for (int k = 0; k < H; k++) h[k] = hn[k], slot[S::HNEW + k] = hn[k];
}

// Backpropagate one step: dh is dLoss/dh_t, dc carries dLoss/dc_t and becomes dLoss/dc_{t-1};
// the gate gradients go to dpre (4H), dh becomes dLoss/dh_{t-1} = w_hh^T dpre.
template <int H>
INLINE void lstm_step_backward(const float* w_hh, const vf* slot, vf* dh, vf* dc, vf* dpre) {
  typedef Slots<H> S;
  UNROLL for (int k = 0; k < H; k++) {
    vf i = slot[S::ACT + k], f = slot[S::ACT + H + k];
    vf g = slot[S::ACT + 2 * H + k], o = slot[S::ACT + 3 * H + k];
    vf t = slot[S::TC + k], c_old = slot[S::CPREV + k];
    vf d_c = dc[k] + dh[k] * o * (1.0f - t * t);
    dpre[3 * H + k] = dh[k] * t * o * (1.0f - o);
    dpre[k] = d_c * g * i * (1.0f - i);
    dpre[H + k] = d_c * c_old * f * (1.0f - f);
    dpre[2 * H + k] = d_c * i * (1.0f - g * g);
    dc[k] = d_c * f;
  }
  UNROLL for (int k = 0; k < H; k++) {
    vf acc = splat(0.0f);
    UNROLL_GATES for (int j = 0; j < 4 * H; j++) acc += w_hh[j * H + k] * dpre[j];
    dh[k] = acc;
  }
}

// acc[a * H + k] += sum_t x[t * xs + a] * y[t * ys + k], a < A: a weight gradient of one
// chunk, two rows of x at a time against all H columns of y, in registers over the steps.
template <int H>
static void outer_accumulate(vf* acc, int A, const vf* x, int xs, const vf* y, int ys, int T) {
  int a = 0;
  for (; a + 2 <= A; a += 2) {
    vf s0[H], s1[H];
    UNROLL for (int k = 0; k < H; k++) s0[k] = acc[a * H + k], s1[k] = acc[(a + 1) * H + k];
    for (int t = 0; t < T; t++) {
      vf x0 = x[t * xs + a], x1 = x[t * xs + a + 1];
      const vf* yt = y + t * ys;
      UNROLL for (int k = 0; k < H; k++) s0[k] += x0 * yt[k], s1[k] += x1 * yt[k];
    }
    UNROLL for (int k = 0; k < H; k++) acc[a * H + k] = s0[k], acc[(a + 1) * H + k] = s1[k];
  }
  for (; a < A; a++)
    for (int t = 0; t < T; t++)
      UNROLL for (int k = 0; k < H; k++) acc[a * H + k] += x[t * xs + a] * y[t * ys + k];
}

// d_table_t[tok[l]][j] += dpre[j][l] over lanes l < n: the input table's gradient, stored
// (vocab, 4H); the W x W blocks of dpre are transposed so that each lane adds a whole row.
template <int H>
INLINE void table_grads(float* d_table_t, const vf* dpre, vi tok, int n) {
  for (int j0 = 0; j0 < 4 * H; j0 += W) {
    vf block[W];
    for (int jj = 0; jj < W; jj++) block[jj] = dpre[j0 + jj];
    transpose(block);
    for (int l = 0; l < n; l++) *(vf*)(d_table_t + tok[l] * 4 * H + j0) += block[l];
  }
}

// Per-run gradient accumulators, as vectors until the run's end.
template <int H>
struct GradAcc {
  vf* w_hh;   // (4H, H)
  vf* out_w;  // (out, H)
  vf* out_b;  // (out)
  float* d_table_t;  // (VP, 4H), scalars
  int out;
  static size_t vectors(int out, int VP) {
    return 4 * H * H + out * H + out + (size_t)VP * 4 * H / W;
  }
  GradAcc(vf* mem, int out_, int VP) : out(out_) {
    w_hh = mem, out_w = w_hh + 4 * H * H, out_b = out_w + out * H;
    d_table_t = (float*)(out_b + out);
    memset(mem, 0, vectors(out, VP) * sizeof(vf));
  }
  // Write the run's gradients: w_ih (4H, V), w_hh (4H, H), the bias (4H; both biases get
  // it), out_w (out, H), out_b (out).
  void store(float* const* g, int r, int V) const {
    float* d_w_ih = g[0] + (size_t)r * 4 * H * V;
    float* d_w_hh = g[1] + (size_t)r * 4 * H * H;
    float* d_b_ih = g[2] + (size_t)r * 4 * H;
    float* d_b_hh = g[3] + (size_t)r * 4 * H;
    float* d_out_w = g[4] + (size_t)r * out * H;
    float* d_out_b = g[5] + (size_t)r * out;
    for (int j = 0; j < 4 * H; j++) {
      float bias = 0;
      for (int v = 0; v < V; v++) {
        float x = d_table_t[v * 4 * H + j];
        d_w_ih[j * V + v] = x;
        bias += x;
      }
      d_b_ih[j] = bias, d_b_hh[j] = bias;
    }
    for (int i = 0; i < 4 * H * H; i++) d_w_hh[i] = hsum(w_hh[i]);
    for (int i = 0; i < out * H; i++) d_out_w[i] = hsum(out_w[i]);
    for (int i = 0; i < out; i++) d_out_b[i] = hsum(out_b[i]);
  }
};

INLINE int padded_vocab(int V) { return (V + 15) / 16 * 16; }
INLINE size_t vectors_of(size_t floats) { return (floats + W - 1) / W; }
