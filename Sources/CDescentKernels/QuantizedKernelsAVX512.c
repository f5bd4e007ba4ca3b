// The AVX-512 path of the 8-bit optimizer steps (full blocks only; QuantizedKernels.c dispatches
// here when the CPU has x86-64-v4 and runs partial blocks through the portable code).
//
// Every lane performs exactly the IEEE operations of the portable loops in the same order, so the
// results are bit-identical to them (the tests compare both paths). What differs is how the two
// table lookups are done, chosen by measurement on AMD Zen 5 (BENCHMARKS.md):
// - dequantization map[code]: a 256-float table held in 16 registers, read with eight two-register
//   permutes (vpermt2ps) and a three-level blend on the code's bits 5–7 — cheaper here than a
//   gather;
// - re-encoding: the nearest-code bucket table (include/QuantizedKernels.h) is too large for
//   registers, so its entries are gathered, eight lanes at a time (two 256-bit gathers beat one
//   512-bit gather on this CPU).
// Each block is processed in two passes over a stack buffer of its new state values: update (and
// write the parameter, track the block's absmax), then re-encode against the new absmax.

#include "QuantizedSupport.h"

static _Atomic int avx512_disabled = 0;

void descent_q8_set_avx512_enabled(int enabled) { avx512_disabled = !enabled; }

#if defined(__x86_64__) && defined(__clang__)

#include <immintrin.h>

#define V4 __attribute__((target("arch=x86-64-v4")))
#define V4_INLINE static inline __attribute__((always_inline, target("arch=x86-64-v4")))

int descent_q8_avx512_available(void) {
  return !avx512_disabled && __builtin_cpu_supports("x86-64-v4");
}

/// A 256-entry float map in 16 registers.
typedef struct {
  __m512 r[16];
} map_registers;

V4_INLINE map_registers load_map(const float *map) {
  map_registers t;
  for (int k = 0; k < 16; k++) t.r[k] = _mm512_loadu_ps(map + 16 * k);
  return t;
}

/// map[codes] for 16 codes in 0…255.
V4_INLINE __m512 lookup_map(__m512i codes, const map_registers *t) {
  __m512 r0 = _mm512_permutex2var_ps(t->r[0], codes, t->r[1]);
  __m512 r1 = _mm512_permutex2var_ps(t->r[2], codes, t->r[3]);
  __m512 r2 = _mm512_permutex2var_ps(t->r[4], codes, t->r[5]);
  __m512 r3 = _mm512_permutex2var_ps(t->r[6], codes, t->r[7]);
  __m512 r4 = _mm512_permutex2var_ps(t->r[8], codes, t->r[9]);
  __m512 r5 = _mm512_permutex2var_ps(t->r[10], codes, t->r[11]);
  __m512 r6 = _mm512_permutex2var_ps(t->r[12], codes, t->r[13]);
  __m512 r7 = _mm512_permutex2var_ps(t->r[14], codes, t->r[15]);
  __mmask16 b5 = _mm512_test_epi32_mask(codes, _mm512_set1_epi32(32));
  __mmask16 b6 = _mm512_test_epi32_mask(codes, _mm512_set1_epi32(64));
  __mmask16 b7 = _mm512_test_epi32_mask(codes, _mm512_set1_epi32(128));
  __m512 a = _mm512_mask_blend_ps(b5, r0, r1);
  __m512 b = _mm512_mask_blend_ps(b5, r2, r3);
  __m512 c = _mm512_mask_blend_ps(b5, r4, r5);
  __m512 d = _mm512_mask_blend_ps(b5, r6, r7);
  a = _mm512_mask_blend_ps(b6, a, b);
  c = _mm512_mask_blend_ps(b6, c, d);
  return _mm512_mask_blend_ps(b7, a, c);
}

/// map[q[0..<16]] · scale.
V4_INLINE __m512 dequantize16(const unsigned char *q, const map_registers *t, __m512 scale) {
  __m512i codes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)q));
  return _mm512_mul_ps(lookup_map(codes, t), scale);
}

/// nearest_code (QuantizedSupport.h) of 16 values.
V4_INLINE __m512i nearest16(__m512 x, const unsigned int *nearest) {
  __m512i bits = _mm512_castps_si512(x);
  __m512i a = _mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF));
  a = _mm512_max_epu32(a, _mm512_set1_epi32((int)DESCENT_Q8_MIN_MAGNITUDE_BITS));
  a = _mm512_min_epu32(a, _mm512_set1_epi32((int)DESCENT_Q8_MAX_MAGNITUDE_BITS));
  __m512i sign = _mm512_srai_epi32(bits, 31);
  __m512i index = _mm512_srli_epi32(
      _mm512_sub_epi32(a, _mm512_set1_epi32((int)DESCENT_Q8_MIN_MAGNITUDE_BITS)),
      DESCENT_Q8_KEY_BITS);
  index = _mm512_add_epi32(index,
                           _mm512_and_si512(sign, _mm512_set1_epi32(DESCENT_Q8_BUCKETS_PER_SIGN)));
  __m256i low = _mm256_i32gather_epi32((const int *)nearest, _mm512_castsi512_si256(index), 4);
  __m256i high =
      _mm256_i32gather_epi32((const int *)nearest, _mm512_extracti64x4_epi64(index, 1), 4);
  __m512i entry = _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
  __m512i keyMask = _mm512_set1_epi32((int)DESCENT_Q8_KEY_MASK);
  __m512i key = _mm512_and_si512(_mm512_xor_si512(a, sign), keyMask);
  __mmask16 above = _mm512_cmpgt_epu32_mask(key, _mm512_and_si512(entry, keyMask));
  __m512i code = _mm512_srli_epi32(entry, 16);
  return _mm512_mask_add_epi32(code, above, code, _mm512_set1_epi32(1));
}

/// |x| as bits, for the block's absmax (an integer maximum: NaN wins, as in abs_max).
V4_INLINE __m512i magnitude_bits(__m512 x) {
  return _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7FFFFFFF));
}

/// Stores the block's absmax and re-encodes `len` new values (a multiple of 16) with it.
V4_INLINE void finish_block(const float *values, __m512i maxBits, float *absmax,
                            unsigned char *codes, long len, const unsigned int *nearest) {
  unsigned int bits = _mm512_reduce_max_epu32(maxBits);
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  *absmax = scale;
  __m512 r = _mm512_set1_ps(1.0f / clamp_scale(scale));
  for (long i = 0; i < len; i += 16) {
    __m512i code = nearest16(_mm512_mul_ps(_mm512_loadu_ps(values + i), r), nearest);
    _mm_storeu_si128((__m128i *)(codes + i), _mm512_cvtepi32_epi8(code));
  }
}

V4 void descent_q8_decode_avx512(const unsigned char *codes, const float *map, float scale,
                                 long len, float *out) {
  const map_registers t = load_map(map);
  const __m512 s = _mm512_set1_ps(scale);
  for (long i = 0; i < len; i += 16) _mm512_storeu_ps(out + i, dequantize16(codes + i, &t, s));
}

V4 void descent_q8_requantize_avx512(const float *x, unsigned char *codes, float *absmax,
                                     long len, const unsigned int *nearest) {
  __m512i maxBits = _mm512_setzero_si512();
  for (long i = 0; i < len; i += 16) {
    maxBits = _mm512_max_epu32(maxBits, magnitude_bits(_mm512_loadu_ps(x + i)));
  }
  finish_block(x, maxBits, absmax, codes, len, nearest);
}

/// The gradient as the portable loops see it: negated when maximizing, plus wd·p when decaying.
V4_INLINE __m512 effective_gradient(__m512 g, __m512 p, int maximize, int decay, __m512 wd) {
  if (maximize) g = _mm512_xor_ps(g, _mm512_set1_ps(-0.0f));
  if (decay) g = _mm512_add_ps(g, _mm512_mul_ps(wd, p));
  return g;
}

V4_INLINE void adam_blocks(float *p, const float *g, descent_quantized_state m,
                           descent_quantized_state v, long blockSize, long blockBegin,
                           long blockEnd, float w1, float b2, float w2, float bc2, float eps,
                           float negStep, float decay, int coupled, float wd, int maximize) {
  float mNew[MAX_BLOCK] __attribute__((aligned(64)));
  float vNew[MAX_BLOCK] __attribute__((aligned(64)));
  const map_registers mMap = load_map(m.map);
  const map_registers vMap = load_map(v.map);
  const __m512 W1 = _mm512_set1_ps(w1), B2 = _mm512_set1_ps(b2), W2 = _mm512_set1_ps(w2);
  const __m512 BC2 = _mm512_set1_ps(bc2), EPS = _mm512_set1_ps(eps);
  const __m512 STEP = _mm512_set1_ps(negStep), DECAY = _mm512_set1_ps(decay);
  const __m512 WD = _mm512_set1_ps(wd);
  for (long b = blockBegin; b < blockEnd; b++) {
    long start = b * blockSize;
    float *pp = p + start;
    const float *gg = g + start;
    const unsigned char *mq = m.codes + start;
    const unsigned char *vq = v.codes + start;
    const __m512 mScale = _mm512_set1_ps(m.absmax[b]), vScale = _mm512_set1_ps(v.absmax[b]);
    __m512i mMax = _mm512_setzero_si512(), vMax = _mm512_setzero_si512();
    for (long i = 0; i < blockSize; i += 16) {
      __m512 pi = _mm512_loadu_ps(pp + i);
      __m512 gi = effective_gradient(_mm512_loadu_ps(gg + i), pi, maximize, coupled, WD);
      __m512 mi = dequantize16(mq + i, &mMap, mScale);
      __m512 vi = dequantize16(vq + i, &vMap, vScale);
      __m512 mN = _mm512_add_ps(mi, _mm512_mul_ps(W1, _mm512_sub_ps(gi, mi)));
      __m512 vN = _mm512_add_ps(_mm512_mul_ps(vi, B2), _mm512_mul_ps(_mm512_mul_ps(W2, gi), gi));
      _mm512_store_ps(mNew + i, mN);
      _mm512_store_ps(vNew + i, vN);
      mMax = _mm512_max_epu32(mMax, magnitude_bits(mN));
      vMax = _mm512_max_epu32(vMax, magnitude_bits(vN));
      __m512 denominator = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vN), BC2), EPS);
      __m512 update = _mm512_div_ps(_mm512_mul_ps(STEP, mN), denominator);
      _mm512_storeu_ps(pp + i, _mm512_add_ps(_mm512_mul_ps(pi, DECAY), update));
    }
    finish_block(mNew, mMax, m.absmax + b, m.codes + start, blockSize, m.nearest);
    finish_block(vNew, vMax, v.absmax + b, v.codes + start, blockSize, v.nearest);
  }
}

V4 void descent_adam8bit_blocks_avx512(float *p, const float *g, descent_quantized_state m,
                                       descent_quantized_state v, long blockSize,
                                       long blockBegin, long blockEnd, float w1, float b2,
                                       float w2, float bc2, float eps, float negStep, float decay,
                                       int coupled, float wd, int maximize) {
  if (maximize) {
    adam_blocks(p, g, m, v, blockSize, blockBegin, blockEnd, w1, b2, w2, bc2, eps, negStep, decay,
                coupled, wd, 1);
  } else if (coupled) {
    adam_blocks(p, g, m, v, blockSize, blockBegin, blockEnd, w1, b2, w2, bc2, eps, negStep, decay,
                1, wd, 0);
  } else {
    adam_blocks(p, g, m, v, blockSize, blockBegin, blockEnd, w1, b2, w2, bc2, eps, negStep, decay,
                0, wd, 0);
  }
}

V4_INLINE void one_state_blocks(int kind, float *p, const float *g, descent_quantized_state s,
                                long blockSize, long blockBegin, long blockEnd, float negLR,
                                float mu, float keep, float eps, int firstStep, int nesterov,
                                int decay, float wd, int maximize) {
  float sNew[MAX_BLOCK] __attribute__((aligned(64)));
  const map_registers map = load_map(s.map);
  const __m512 NEG_LR = _mm512_set1_ps(negLR), MU = _mm512_set1_ps(mu);
  const __m512 KEEP = _mm512_set1_ps(keep), EPS = _mm512_set1_ps(eps), WD = _mm512_set1_ps(wd);
  for (long b = blockBegin; b < blockEnd; b++) {
    long start = b * blockSize;
    float *pp = p + start;
    const float *gg = g + start;
    const unsigned char *q = s.codes + start;
    const __m512 scale = _mm512_set1_ps(s.absmax[b]);
    __m512i maxBits = _mm512_setzero_si512();
    for (long i = 0; i < blockSize; i += 16) {
      __m512 pi = _mm512_loadu_ps(pp + i);
      __m512 gi = effective_gradient(_mm512_loadu_ps(gg + i), pi, maximize, decay, WD);
      __m512 si = dequantize16(q + i, &map, scale);
      __m512 sN, step;
      if (kind == DESCENT_Q8_SGD_MOMENTUM) {
        sN = firstStep ? gi : _mm512_add_ps(_mm512_mul_ps(si, MU), _mm512_mul_ps(KEEP, gi));
        step = nesterov ? _mm512_add_ps(gi, _mm512_mul_ps(MU, sN)) : sN;
      } else if (kind == DESCENT_Q8_ADAGRAD) {
        sN = _mm512_add_ps(si, _mm512_mul_ps(gi, gi));
        step = _mm512_div_ps(gi, _mm512_add_ps(_mm512_sqrt_ps(sN), EPS));
      } else {
        sN = _mm512_add_ps(_mm512_mul_ps(si, MU), _mm512_mul_ps(_mm512_mul_ps(KEEP, gi), gi));
        step = _mm512_div_ps(gi, _mm512_add_ps(_mm512_sqrt_ps(sN), EPS));
      }
      _mm512_store_ps(sNew + i, sN);
      maxBits = _mm512_max_epu32(maxBits, magnitude_bits(sN));
      _mm512_storeu_ps(pp + i, _mm512_add_ps(pi, _mm512_mul_ps(NEG_LR, step)));
    }
    finish_block(sNew, maxBits, s.absmax + b, s.codes + start, blockSize, s.nearest);
  }
}

V4 void descent_one_state8bit_blocks_avx512(int kind, float *p, const float *g,
                                            descent_quantized_state s, long blockSize,
                                            long blockBegin, long blockEnd, float negLR, float mu,
                                            float keep, float eps, int firstStep, int nesterov,
                                            int decay, float wd, int maximize) {
#define ONE_STATE(KIND)                                                                          \
  one_state_blocks(KIND, p, g, s, blockSize, blockBegin, blockEnd, negLR, mu, keep, eps,          \
                   firstStep, nesterov, decay, wd, maximize)
  if (kind == DESCENT_Q8_SGD_MOMENTUM) {
    ONE_STATE(DESCENT_Q8_SGD_MOMENTUM);
  } else if (kind == DESCENT_Q8_ADAGRAD) {
    ONE_STATE(DESCENT_Q8_ADAGRAD);
  } else {
    ONE_STATE(DESCENT_Q8_RMSPROP);
  }
#undef ONE_STATE
}

#endif
