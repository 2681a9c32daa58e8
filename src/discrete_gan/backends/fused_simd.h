// SIMD building blocks of the fused kernels (fused.cpp): the vector types, W rows per vector
// (16 with AVX-512, 8 with AVX2), tiles.py's approximations of tanh and log and Cephes' exp,
// an in-register transpose, per-thread scratch memory and the subnormal flush.
#pragma once

#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
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

// ---- vector maths: tanh and log as tiles.py, exp as Cephes ----------------------------------

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

// exp(x) for x <= 0 by Cephes' expf (tiles.py's exp_nonpositive goes through tanh instead; both
// are float32-accurate), and exactly 0 below -17, as there, so banned symbols get probability 0.
INLINE vf vexp_nonpositive(vf x) {
  const float shift = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  vf below = x > -17.0f ? splat(0.0f) : splat(1.0f);
  x = vmax(x, splat(-17.5f));  // keeps the exponent arithmetic in range for -1e30 (a ban)
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
  return below > 0.0f ? splat(0.0f) : e;
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
    if (!scratch_ptr) {
      fputs("fused kernels: out of memory for a thread's scratch arrays\n", stderr);
      abort();
    }
    scratch_size = bytes;
  }
  return (vf*)scratch_ptr;
}

struct Flush {  // subnormals flushed to zero in this thread while a kernel runs, as set_threads
  unsigned saved;
  Flush() : saved(_mm_getcsr()) { _mm_setcsr(saved | 0x8040); }
  ~Flush() { _mm_setcsr(saved); }
};

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
