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
// block at a time. Divisions are reciprocal estimates refined by one Newton step. The SIMD
// building blocks are in fused_simd.h, the LSTM's in fused_lstm.h; this file holds the kernels.
//
// Built by `fused_build.py` (`make setup`, or the first use on a machine) for one of two
// targets, x86-64-v4 (AVX-512) or x86-64-v3 (AVX2 + FMA), with OpenMP over runs, and loaded by
// `fused.py`. Layouts and results are those of `kernels.py`: `tests/test_kernels.py` checks
// both against PyTorch.

#include "fused_lstm.h"
#include "fused_simd.h"

static const int MAX_STEPS = 256;  // the likelihood's per-chunk masks (fused.py's MAX_STEPS)

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
  if (steps > MAX_STEPS) return -2;
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
  if (steps > MAX_STEPS) return -2;
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
