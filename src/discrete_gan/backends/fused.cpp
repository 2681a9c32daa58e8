// Fused CPU kernels for many small LSTM runs: the same functions as `kernels.py` (numba), with
// the batch rows as the SIMD axis and a chunk's states kept in vector registers.
//
// A run's sequences are walked in chunks of W rows (16 with AVX-512, 8 with AVX2), stored
// feature-major, one vector of W rows per feature. One LSTM step computes each of the 4H
// gates with broadcast weights, activates it and updates the cell without storing the
// pre-activations; the input lookup is an in-register permute of the table row (vocab <= 32 on
// AVX-512) or a gather with 32-bit indices. Backward passes store a chunk's gate gradients and
// reduce the weight gradients from them afterwards (a small register-blocked product per
// chunk, summed horizontally once per run), and add the input table's gradient a transposed
// block at a time. Divisions are reciprocal estimates refined by one Newton step.
//
// Built by `fused.py` (the first import on a machine, or `make setup`) for one of two targets,
// x86-64-v4 (AVX-512) or x86-64-v3 (AVX2 + FMA), with OpenMP over runs. Layouts and results
// are those of `kernels.py`: `tests/test_kernels.py` checks both against PyTorch.

#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__)
#define W 16
#else
#define W 8
#endif

typedef float vf __attribute__((vector_size(4 * W), aligned(4 * W)));
typedef int32_t vi __attribute__((vector_size(4 * W), aligned(4 * W)));

#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 8")  // whole loops over H = 8 (more costs minutes of compiling)
#define UNROLL_GATES _Pragma("GCC unroll 32")

static const int START_ID = 0;  // `.`, the first symbol of the vocabulary

// ---- vector maths, the same approximations as tiles.py -------------------------------------

INLINE vf splat(float x) { return vf{} + x; }

INLINE vf recip(vf q) {  // 1 / q: an estimate and one Newton step (about 23 bits)
#if defined(__AVX512F__)
  vf r = (vf)_mm512_rcp14_ps((__m512)q);
#else
  vf r = (vf)_mm256_rcp_ps((__m256)q);
#endif
  return r * (2.0f - q * r);
}

#if defined(__AVX512F__)
INLINE vf vmin(vf a, vf b) { return (vf)_mm512_min_ps((__m512)a, (__m512)b); }
INLINE vf vmax(vf a, vf b) { return (vf)_mm512_max_ps((__m512)a, (__m512)b); }
#else
INLINE vf vmin(vf a, vf b) { return (vf)_mm256_min_ps((__m256)a, (__m256)b); }
INLINE vf vmax(vf a, vf b) { return (vf)_mm256_max_ps((__m256)a, (__m256)b); }
#endif

INLINE vf vtanh(vf x) {  // 13/6 rational approximation on [-7.9, 7.9]
  const float clamp = 7.90531110763549805f;
  x = vmin(vmax(x, splat(-clamp)), splat(clamp));
  vf x2 = x * x;
  vf p = splat(-2.76076847742355e-16f);
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * x;
  vf q = splat(1.19825839466702e-06f);
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return p * recip(q);
}

// sigmoid(x) = 1/2 + tanh(x / 2) / 2, of a pre-activation already halved (the lookup table and
// recurrent weights of the sigmoid gates are stored halved: exact in binary floating point).
INLINE vf vsigmoid_of_half(vf half_x) { return 0.5f + 0.5f * vtanh(half_x); }

INLINE vf vexp_nonpositive(vf x) {  // exp(x) for x <= 0 (Cephes' expf); 0 below -17, as tiles
  const float shift = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  vf t = x * 1.44269504088896341f + shift;
  vf n = t - shift;
  vi scale = ((vi)t - (vi)splat(shift)) << 23;  // n, moved into the exponent field
  vf f = x - n * 0.693359375f;
  f = f - n * -2.12194440e-4f;
  vf p = splat(1.9875691500E-4f);
  p = p * f + 1.3981999507E-3f;
  p = p * f + 8.3334519073E-3f;
  p = p * f + 4.1665795894E-2f;
  p = p * f + 1.6666665459E-1f;
  p = p * f + 5.0000001201E-1f;
  p = p * (f * f) + f + 1.0f;
  vf e = (vf)((vi)p + scale);
  return x > -17.0f ? e : splat(0.0f);
}

INLINE vf vlog(vf x) {  // Cephes' logf on the mantissa, as tiles.log
  vi bits = (vi)x;
  vi e = (bits >> 23) - 126;
  vf m = (vf)((bits & 0x007FFFFF) | 0x3F000000);
  vi small = m < 0.70710678118654752f;
  e = e + small;  // the mask is -1 where small
  vf f = small ? (m + m - 1.0f) : (m - 1.0f);
  vf z = f * f;
  vf y = splat(7.0376836292e-2f);
  y = y * f + -1.1514610310e-1f;
  y = y * f + 1.1676998740e-1f;
  y = y * f + -1.2420140846e-1f;
  y = y * f + 1.4249322787e-1f;
  y = y * f + -1.6668057665e-1f;
  y = y * f + 2.0000714765e-1f;
  y = y * f + -2.4999993993e-1f;
  y = y * f + 3.3333331174e-1f;
  vf ef = __builtin_convertvector(e, vf);
  y = y * f * z + -2.12194440e-4f * ef - 0.5f * z;
  return f + y + 0.693359375f * ef;
}

INLINE float hsum(vf x) {
  float s = 0;
  for (int l = 0; l < W; l++) s += x[l];
  return s;
}

// ---- per-thread scratch ---------------------------------------------------------------------

static thread_local void* scratch_ptr = nullptr;
static thread_local size_t scratch_size = 0;

static vf* scratch(size_t vectors) {  // vector-aligned per-thread memory, kept between calls
  size_t bytes = vectors * sizeof(vf);
  if (bytes > scratch_size) {
    free(scratch_ptr);
    scratch_ptr = aligned_alloc(64, (bytes + 63) / 64 * 64);
    scratch_size = scratch_ptr ? bytes : 0;
  }
  return (vf*)scratch_ptr;
}

struct Flush {  // subnormals flushed to zero in this thread while a kernel runs, as set_threads
  unsigned saved;
  Flush() : saved(_mm_getcsr()) { _mm_setcsr(saved | 0x8040); }
  ~Flush() { _mm_setcsr(saved); }
};

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

// Transpose a W x W block of vectors in place: afterwards x[l][jj] holds what x[jj][l] held.
INLINE void transpose(vf* x) {
#if defined(__AVX512F__)
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps((__m512)x[i], (__m512)x[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps((__m512)x[i], (__m512)x[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 16; i += 8)
    for (int j = 0; j < 4; j++) {
      t[i + j] = _mm512_shuffle_f32x4(u[i + j], u[i + j + 4], 0x88);
      t[i + j + 4] = _mm512_shuffle_f32x4(u[i + j], u[i + j + 4], 0xDD);
    }
  for (int j = 0; j < 8; j++) {
    x[j] = (vf)_mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
    x[j + 8] = (vf)_mm512_shuffle_f32x4(t[j], t[j + 8], 0xDD);
  }
#else
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps((__m256)x[i], (__m256)x[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps((__m256)x[i], (__m256)x[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int j = 0; j < 4; j++) {
    x[j] = (vf)_mm256_permute2f128_ps(u[j], u[j + 4], 0x20);
    x[j + 4] = (vf)_mm256_permute2f128_ps(u[j], u[j + 4], 0x31);
  }
#endif
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

// ---- the discriminator ----------------------------------------------------------------------

// Logits of one chunk (lanes b0.., n of them) after running the LSTM over `steps` steps;
// the per-step slots go to `slots` (steps x 8H vectors).
template <int H>
INLINE vf discriminator_chunk(const Net& n, const float* table, int VP, const int32_t* tok,
                              int steps, int BP, int b0, vf* slots, vf* h) {
  vf c[H];
  UNROLL for (int k = 0; k < H; k++) h[k] = splat(0.0f), c[k] = splat(0.0f);
  for (int t = 0; t < steps; t++)
    lstm_step<H>(table, VP, load_tok(tok, t, BP, b0), h, c, slots + t * 8 * H);
  vf logit = splat(n.out_b[0]);
  UNROLL for (int k = 0; k < H; k++) logit += n.out_w[k] * h[k];
  return logit;
}

template <int H>
static void discriminator_logits_t(const float* const* p, const int64_t* ids, int runs,
                                   int steps, int batch, int V, float* logits, int threads) {
  int VP = padded_vocab(V), BP = padded_batch(batch);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int r = 0; r < runs; r++) {
    Flush flush;
    size_t table_v = table_vectors(H, VP), tok_v = vectors_of((size_t)steps * BP);
    vf* mem = scratch(table_v + tok_v + (size_t)steps * 8 * H);
    float* table = (float*)mem;
    int32_t* tok = (int32_t*)(mem + table_v);
    vf* slots = mem + table_v + tok_v;
    Net n = net_of(p, r, H, V, 1);
    fill_table(n, H, V, VP, table);
    run_tokens(ids + (size_t)r * steps * batch, steps, batch, BP, 0, nullptr, tok);
    for (int b0 = 0; b0 < batch; b0 += W) {
      int lanes = batch - b0 < W ? batch - b0 : W;
      vf h[H];
      vf logit = discriminator_chunk<H>(n, table, VP, tok, steps, BP, b0, slots, h);
      for (int l = 0; l < lanes; l++) logits[(size_t)r * batch + b0 + l] = logit[l];
    }
  }
}

// dLoss/dlogit of one sequence's term of the discriminator loss: of `mean softplus(-l_real) +
// mean softplus(l_fake)`, or with `log_sigmoid` of the paper's code's `-mean [log(sigmoid(l_real))
// + log(1 - sigmoid(l_fake))]` in float32, as PyTorch's autograd computes it (so that a
// sigmoid rounded to 1 gives no gradient, as in the code); a positive `divisor` divides sums
// instead of taking means (objectives.discriminator_loss and discriminator_loss_log_sigmoid).
INLINE float loss_grad(float logit, bool real, int n_real, int n_fake, int log_sigmoid,
                       float divisor) {
  if (!log_sigmoid) {  // d softplus(-l)/dl = -sigmoid(-l); d softplus(l)/dl = sigmoid(l)
    float scale = divisor > 0 ? 1.0f / divisor : 1.0f / (real ? n_real : n_fake);
    return real ? -scale / (1.0f + __builtin_expf(logit)) : scale / (1.0f + __builtin_expf(-logit));
  }
  float s = 1.0f / (1.0f + __builtin_expf(-logit));
  float up = divisor > 0 ? -(1.0f / divisor) : -(1.0f / (real ? n_real : n_fake));
  if (real) return up / s * (1.0f - s) * s;  // log's backward, then sigmoid's
  return -(up / (1.0f - s)) * (1.0f - s) * s;
}

template <int H>
static void discriminator_grads_t(const float* const* p, const int64_t* ids, int runs,
                                  int steps, int batch, int V, float* grad_logits,
                                  float* logits, int n_real, int log_sigmoid, float divisor,
                                  float* const* g, int threads) {
  int VP = padded_vocab(V), BP = padded_batch(batch);
  typedef GradAcc<H> Acc;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int r = 0; r < runs; r++) {
    Flush flush;
    size_t table_v = table_vectors(H, VP), acc_v = Acc::vectors(1, VP);
    size_t tok_v = vectors_of((size_t)steps * BP);
    vf* mem = scratch(table_v + acc_v + tok_v + (size_t)steps * 12 * H);
    float* table = (float*)mem;
    Acc acc(mem + table_v, 1, VP);
    int32_t* tok = (int32_t*)(mem + table_v + acc_v);
    vf* slots = mem + table_v + acc_v + tok_v;
    vf* dpre = slots + (size_t)steps * 8 * H;
    Net n = net_of(p, r, H, V, 1);
    fill_table(n, H, V, VP, table);
    run_tokens(ids + (size_t)r * steps * batch, steps, batch, BP, 0, nullptr, tok);
    for (int b0 = 0; b0 < batch; b0 += W) {
      int lanes = batch - b0 < W ? batch - b0 : W;
      vf h[H];
      vf logit = discriminator_chunk<H>(n, table, VP, tok, steps, BP, b0, slots, h);
      vf gl;
      for (int l = 0; l < W; l++) {
        size_t col = (size_t)r * batch + b0 + l;
        float gv = 0.0f;
        if (l < lanes) {
          logits[col] = logit[l];
          if (n_real >= 0)
            grad_logits[col] = loss_grad(logit[l], b0 + l < n_real, n_real, batch - n_real,
                                         log_sigmoid, divisor);
          gv = grad_logits[col];
        }
        gl[l] = gv;
      }
      acc.out_b[0] += gl;
      vf dh[H], dc[H];
      UNROLL for (int k = 0; k < H; k++) {
        acc.out_w[k] += gl * h[k];
        dh[k] = gl * n.out_w[k];
        dc[k] = splat(0.0f);
      }
      for (int t = steps - 1; t >= 0; t--) {
        lstm_step_backward<H>(n.w_hh, slots + t * 8 * H, dh, dc, dpre + t * 4 * H);
        table_grads<H>(acc.d_table_t, dpre + t * 4 * H, load_tok(tok, t, BP, b0), lanes);
      }
      outer_accumulate<H>(acc.w_hh, 4 * H, dpre, 4 * H, slots + Slots<H>::HPREV, 8 * H, steps);
    }
    acc.store(g, r, V);
  }
}

// ---- the generator --------------------------------------------------------------------------

// logits (V vectors) = out_w h + out_b, the banned symbols at -1e30; exps = exp(logit - max)
// and their total. Returns the max.
template <int H>
INLINE vf softmax_terms(const Net& n, int V, const vf* h, int ban_start, int banned, vf* logits,
                        vf* exps, vf* total) {
  vf mx = splat(-3.0e38f);
  for (int v = 0; v < V; v++) {
    const float* w = n.out_w + v * H;
    vf a = splat(n.out_b[v]);
    UNROLL for (int k = 0; k < H; k++) a += w[k] * h[k];
    if ((ban_start && v == START_ID) || v == banned) a = splat(-1e30f);
    logits[v] = a;
    mx = vmax(mx, a);
  }
  vf sum = splat(0.0f);
  for (int v = 0; v < V; v++) {
    vf e = vexp_nonpositive(logits[v] - mx);
    exps[v] = e;
    sum += e;
  }
  *total = sum;
  return mx;
}

template <int H>
static void generator_log_likelihood_t(const float* const* p, const int64_t* ids, int runs,
                                       int steps, int batch, int V, float* saved, int whole,
                                       int ban_start, float* log_p, int threads) {
  int VP = padded_vocab(V), BP = padded_batch(batch), chunks = BP / W;
  int end = V - 1;
  size_t S = 8 * H + V + 1;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int r = 0; r < runs; r++) {
    Flush flush;
    size_t table_v = table_vectors(H, VP), tok_v = vectors_of((size_t)steps * BP);
    size_t order_v = vectors_of(2 * BP + chunks);
    vf* mem = scratch(table_v + 2 * tok_v + order_v + V);
    float* table = (float*)mem;
    int32_t* tok = (int32_t*)(mem + table_v);
    int32_t* target = (int32_t*)(mem + table_v + tok_v);
    int32_t* perm = (int32_t*)(mem + table_v + 2 * tok_v);
    int32_t *len = perm + BP, *chunk_steps = len + BP;
    vf* logits = mem + table_v + 2 * tok_v + order_v;
    Net n = net_of(p, r, H, V, V);
    fill_table(n, H, V, VP, table);
    const int64_t* ids_r = ids + (size_t)r * steps * batch;
    order_rows(ids_r, steps, batch, BP, end, whole, len, perm, chunk_steps);
    run_tokens(ids_r, steps, batch, BP, 1, perm, tok);
    run_tokens(ids_r, steps, batch, BP, 0, perm, target);
    for (int ch = 0; ch < chunks; ch++) {
      int b0 = ch * W, lanes = batch - b0 < W ? batch - b0 : W;
      vf* slots = (vf*)saved + ((size_t)r * chunks + ch) * steps * S;
      vf h[H], c[H];
      UNROLL for (int k = 0; k < H; k++) h[k] = splat(0.0f), c[k] = splat(0.0f);
      vf lp = splat(0.0f), open = splat(1.0f);
      for (int t = 0; t < chunk_steps[ch]; t++) {
        vf* slot = slots + t * S;
        lstm_step<H>(table, VP, load_tok(tok, t, BP, b0), h, c, slot);
        vf total;
        vf mx = softmax_terms<H>(n, V, h, ban_start, -1, logits, slot + 8 * H, &total);
        slot[8 * H + V] = total;
        vi tgt = load_tok(target, t, BP, b0);
        vf picked;
        for (int l = 0; l < W; l++) picked[l] = logits[tgt[l]][l];
        lp += open * (picked - (mx + vlog(total)));
        if (!whole) open = tgt == end ? splat(0.0f) : open;
      }
      for (int l = 0; l < lanes; l++) log_p[(size_t)r * batch + perm[b0 + l]] = lp[l];
    }
  }
}

template <int H>
static void generator_log_likelihood_grads_t(const float* const* p, const int64_t* ids, int runs,
                                             int steps, int batch, int V,
                                             const float* grad_log_p, const float* saved,
                                             int whole, float* const* g, int threads) {
  int VP = padded_vocab(V), BP = padded_batch(batch), chunks = BP / W;
  int end = V - 1;
  size_t S = 8 * H + V + 1;
  typedef GradAcc<H> Acc;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int r = 0; r < runs; r++) {
    Flush flush;
    size_t acc_v = Acc::vectors(V, VP), tok_v = vectors_of((size_t)steps * BP);
    size_t order_v = vectors_of(2 * BP + chunks);
    vf* mem = scratch(acc_v + 2 * tok_v + order_v + (size_t)steps * (4 * H + V + 1));
    Acc acc(mem, V, VP);
    int32_t* tok = (int32_t*)(mem + acc_v);
    int32_t* target = (int32_t*)(mem + acc_v + tok_v);
    int32_t* perm = (int32_t*)(mem + acc_v + 2 * tok_v);
    int32_t *len = perm + BP, *chunk_steps = len + BP;
    vf* dpre = mem + acc_v + 2 * tok_v + order_v;
    vf* dlog = dpre + (size_t)steps * 4 * H;  // per step V vectors
    Net n = net_of(p, r, H, V, V);
    const int64_t* ids_r = ids + (size_t)r * steps * batch;
    order_rows(ids_r, steps, batch, BP, end, whole, len, perm, chunk_steps);  // as the forward
    run_tokens(ids_r, steps, batch, BP, 1, perm, tok);
    run_tokens(ids_r, steps, batch, BP, 0, perm, target);
    for (int ch = 0; ch < chunks; ch++) {
      int b0 = ch * W, lanes = batch - b0 < W ? batch - b0 : W, cs = chunk_steps[ch];
      const vf* slots = (const vf*)saved + ((size_t)r * chunks + ch) * steps * S;
      vf grad;
      for (int l = 0; l < W; l++)
        grad[l] = l < lanes ? grad_log_p[(size_t)r * batch + perm[b0 + l]] : 0;
      // the mask of each step: 1 up to and including the first `$`
      vf mask[256];
      vf open = splat(1.0f);
      for (int t = 0; t < cs; t++) {
        mask[t] = open;
        if (!whole) open = load_tok(target, t, BP, b0) == end ? splat(0.0f) : open;
      }
      vf dh[H], dc[H];
      UNROLL for (int k = 0; k < H; k++) dh[k] = splat(0.0f), dc[k] = splat(0.0f);
      for (int t = cs - 1; t >= 0; t--) {
        const vf* slot = slots + t * S;
        const vf* exps = slot + 8 * H;
        vf total = slot[8 * H + V];
        vf coef = grad * mask[t] * recip(total);
        vi tgt = load_tok(target, t, BP, b0);
        vf* dl = dlog + (size_t)t * V;
        vf gm = grad * mask[t];
        for (int v = 0; v < V; v++) {  // dLoss/dlogits = grad * mask * (onehot - softmax)
          vf d = -coef * exps[v];
          dl[v] = tgt == v ? d + gm : d;
        }
        UNROLL for (int k = 0; k < H; k++) {
          vf a = dh[k];
          for (int v = 0; v < V; v++) a += n.out_w[v * H + k] * dl[v];
          dh[k] = a;
        }
        lstm_step_backward<H>(n.w_hh, slot, dh, dc, dpre + t * 4 * H);
        table_grads<H>(acc.d_table_t, dpre + t * 4 * H, load_tok(tok, t, BP, b0), lanes);
      }
      for (int t = 0; t < cs; t++)
        for (int v = 0; v < V; v++) acc.out_b[v] += dlog[(size_t)t * V + v];
      outer_accumulate<H>(acc.out_w, V, dlog, V, slots + Slots<H>::HNEW, S, cs);
      outer_accumulate<H>(acc.w_hh, 4 * H, dpre, 4 * H, slots + Slots<H>::HPREV, S, cs);
    }
    acc.store(g, r, V);
  }
}

template <int H>
static void generator_sample_t(const float* const* p, const float* uniforms, int runs, int draws,
                               int batch, int V, int forced, int stop, int ban_start,
                               int64_t* ids, int out_steps, int threads) {
  int VP = padded_vocab(V), end = V - 1;
  int finish = stop && !forced;
  int banned = forced ? end : -1, last = forced ? end - 1 : end;
  int first = ban_start ? START_ID + 1 : START_ID;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int r = 0; r < runs; r++) {
    Flush flush;
    vf* mem = scratch(table_vectors(H, VP) + 2 * V + 8 * H);
    float* table = (float*)mem;
    vf* logits = mem + table_vectors(H, VP);
    vf* exps = logits + V;
    vf* slot = exps + V;
    Net n = net_of(p, r, H, V, V);
    fill_table(n, H, V, VP, table);
    int64_t* ids_r = ids + (size_t)r * out_steps * batch;
    for (int b0 = 0; b0 < batch; b0 += W) {
      int lanes = batch - b0 < W ? batch - b0 : W;
      vf h[H], c[H];
      UNROLL for (int k = 0; k < H; k++) h[k] = splat(0.0f), c[k] = splat(0.0f);
      vi tok = vi{} + START_ID;
      vi ended;
      for (int l = 0; l < W; l++) ended[l] = l < lanes ? 0 : -1;
      for (int t = 0; t < draws; t++) {
        lstm_step<H>(table, VP, tok, h, c, slot);
        vf total;
        softmax_terms<H>(n, V, h, ban_start, banned, logits, exps, &total);
        vf u;
        for (int l = 0; l < W; l++) u[l] = l < lanes ? uniforms[((size_t)r * draws + t) * batch + b0 + l] : 0.5f;
        vf threshold = total * u;
        vf cdf = splat(0.0f);
        vi count = vi{};
        for (int v = 0; v < V; v++) {  // the inverse CDF: cumulative probabilities below u
          cdf += exps[v];
          count -= cdf < threshold;
        }
        vi sym = count > last ? vi{} + last : count;
        sym = sym < first ? vi{} + first : sym;
        tok = sym;
        if (finish) ended |= sym == end;
        vi out = ended ? vi{} + end : sym;
        for (int l = 0; l < lanes; l++) ids_r[(size_t)t * batch + b0 + l] = out[l];
        if (finish) {
          bool all = true;
          for (int l = 0; l < W; l++) all = all && ended[l];
          if (all) break;  // every name of the chunk has ended: the rest stays `$`
        }
      }
    }
  }
}

// ---- the C interface ------------------------------------------------------------------------

#define DISPATCH(call)  \
  switch (H) {          \
    case 8: call(8);    \
      return 0;         \
    case 16: call(16);  \
      return 0;         \
  }                     \
  return -1;

extern "C" {

int fused_width(void) { return W; }

int fused_supports(int H, int V) { return (H == 8 || H == 16) && V >= 2 && V <= 255; }

int fused_discriminator_logits(const float* const* p, const int64_t* ids, int runs, int steps,
                               int batch, int V, int H, float* logits, int threads) {
#define CALL(h) discriminator_logits_t<h>(p, ids, runs, steps, batch, V, logits, threads)
  DISPATCH(CALL)
#undef CALL
}

int fused_discriminator_grads(const float* const* p, const int64_t* ids, int runs, int steps,
                              int batch, int V, int H, float* grad_logits, float* logits,
                              int n_real, int log_sigmoid, float divisor, float* const* g,
                              int threads) {
#define CALL(h)                                                                             \
  discriminator_grads_t<h>(p, ids, runs, steps, batch, V, grad_logits, logits, n_real,       \
                           log_sigmoid, divisor, g, threads)
  DISPATCH(CALL)
#undef CALL
}

int fused_generator_log_likelihood(const float* const* p, const int64_t* ids, int runs, int steps,
                                   int batch, int V, int H, float* saved, int whole,
                                   int ban_start, float* log_p, int threads) {
#define CALL(h)                                                                             \
  generator_log_likelihood_t<h>(p, ids, runs, steps, batch, V, saved, whole, ban_start, log_p, \
                                threads)
  DISPATCH(CALL)
#undef CALL
}

int fused_generator_log_likelihood_grads(const float* const* p, const int64_t* ids, int runs,
                                         int steps, int batch, int V, int H,
                                         const float* grad_log_p, const float* saved, int whole,
                                         float* const* g, int threads) {
#define CALL(h)                                                                          \
  generator_log_likelihood_grads_t<h>(p, ids, runs, steps, batch, V, grad_log_p, saved, whole, \
                                      g, threads)
  DISPATCH(CALL)
#undef CALL
}

int fused_generator_sample(const float* const* p, const float* uniforms, int runs, int draws,
                           int batch, int V, int H, int forced, int stop, int ban_start,
                           int64_t* ids, int out_steps, int threads) {
#define CALL(h)                                                                           \
  generator_sample_t<h>(p, uniforms, runs, draws, batch, V, forced, stop, ban_start, ids, \
                        out_steps, threads)
  DISPATCH(CALL)
#undef CALL
}
}
