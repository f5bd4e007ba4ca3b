#ifndef DESCENT_QUANTIZED_SUPPORT_H
#define DESCENT_QUANTIZED_SUPPORT_H

// Shared by the 8-bit kernels (private: not in include/): the nearest-code lookup, block scales
// and re-encoding of a block, with the semantics documented in include/QuantizedKernels.h.

#include "KernelSupport.h"
#include "QuantizedKernels.h"

#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

enum { MAX_BLOCK = 4096 };

// The bits of |x| clamped to [2^(MIN−127), 2 − 2^−23], so tiny values, values ≥ 2 and NaN fall
// in the end buckets.
ALWAYS_INLINE unsigned int clamped_magnitude_bits(unsigned int bits) {
  unsigned int a = bits & 0x7FFFFFFFu;
  a = a < DESCENT_Q8_MIN_MAGNITUDE_BITS ? DESCENT_Q8_MIN_MAGNITUDE_BITS : a;
  return a > DESCENT_Q8_MAX_MAGNITUDE_BITS ? DESCENT_Q8_MAX_MAGNITUDE_BITS : a;
}

ALWAYS_INLINE unsigned char nearest_code(float x, const unsigned int *restrict nearest) {
  unsigned int bits;
  memcpy(&bits, &x, sizeof bits);
  unsigned int sign = bits >> 31;
  unsigned int a = clamped_magnitude_bits(bits);
  unsigned int entry = nearest[sign * DESCENT_Q8_BUCKETS_PER_SIGN +
                               ((a - DESCENT_Q8_MIN_MAGNITUDE_BITS) >> DESCENT_Q8_KEY_BITS)];
  unsigned int key = (a ^ (0u - sign)) & DESCENT_Q8_KEY_MASK;
  return (unsigned char)((entry >> 16) + (key > (entry & DESCENT_Q8_KEY_MASK)));
}

ALWAYS_INLINE float clamp_scale(float absmax) { return absmax < 1e-38f ? 1e-38f : absmax; }

// Codes of x[0..<len] against scale `am` (already clamped); `partial` selects x / am.
ALWAYS_INLINE void encode(const float *restrict x, unsigned char *restrict q, long len, float am,
                          int partial, const unsigned int *restrict nearest) {
  if (partial) {
    for (long i = 0; i < len; i++) q[i] = nearest_code(x[i] / am, nearest);
  } else {
    float r = 1.0f / am;
    for (long i = 0; i < len; i++) q[i] = nearest_code(x[i] * r, nearest);
  }
}

// max |x| as an integer maximum of the bit patterns with the sign cleared (the order of
// non-negative floats), which vectorizes without fast-math; a NaN wins over every number.
ALWAYS_INLINE float abs_max(const float *restrict x, long len) {
  unsigned int m = 0;
  for (long i = 0; i < len; i++) {
    unsigned int bits;
    memcpy(&bits, &x[i], sizeof bits);
    bits &= 0x7fffffffu;
    m = bits > m ? bits : m;
  }
  float result;
  memcpy(&result, &m, sizeof result);
  return result;
}

#if defined(__x86_64__) && defined(__clang__)
#define DESCENT_Q8_HAS_AVX512_PATH 1
/// Whether the AVX-512 path runs: the CPU has x86-64-v4 and it is not disabled.
int descent_q8_avx512_available(void);
/// The AVX-512 versions of the steps for full blocks [blockBegin, blockEnd) (QuantizedKernelsAVX512.c).
void descent_adam8bit_blocks_avx512(float *p, const float *g, descent_quantized_state m,
                                    descent_quantized_state v, long blockSize, long blockBegin,
                                    long blockEnd, float w1, float b2, float w2, float bc2,
                                    float eps, float negStep, float decay, int coupled, float wd,
                                    int maximize);
/// out[0..<len] = map[codes] · scale, len a multiple of 16.
void descent_q8_decode_avx512(const unsigned char *codes, const float *map, float scale,
                              long len, float *out);
/// absmax[0] = max |x|, codes = nearest codes of x · (1/absmax), for one full block (len a
/// multiple of 16).
void descent_q8_requantize_avx512(const float *x, unsigned char *codes, float *absmax, long len,
                                  const unsigned int *nearest);
void descent_one_state8bit_blocks_avx512(int kind, float *p, const float *g,
                                         descent_quantized_state s, long blockSize,
                                         long blockBegin, long blockEnd, float negLR, float mu,
                                         float keep, float eps, int firstStep, int nesterov,
                                         int decay, float wd, int maximize);
#endif

/// out[0..<len] = the block's dequantized values (state pointers already at the block).
ALWAYS_INLINE void decode_block(descent_quantized_state s, long len, float *restrict out) {
#ifdef DESCENT_Q8_HAS_AVX512_PATH
  if (len % 16 == 0 && descent_q8_avx512_available()) {
    descent_q8_decode_avx512(s.codes, s.map, s.absmax[0], len, out);
    return;
  }
#endif
  const float *restrict map = s.map;
  const unsigned char *restrict q = s.codes;
  float scale = s.absmax[0];
  for (long i = 0; i < len; i++) out[i] = map[q[i]] * scale;
}

/// Stores the block's new absmax and codes for x[0..<len] (state pointers already at the block);
/// `partial` marks the tensor's partial last block.
ALWAYS_INLINE void requantize_block(const float *restrict x, descent_quantized_state s, long len,
                                    int partial) {
#ifdef DESCENT_Q8_HAS_AVX512_PATH
  if (!partial && len % 16 == 0 && descent_q8_avx512_available()) {
    descent_q8_requantize_avx512(x, s.codes, s.absmax, len, s.nearest);
    return;
  }
#endif
  float scale = abs_max(x, len);
  s.absmax[0] = scale;
  encode(x, s.codes, len, clamp_scale(scale), partial, s.nearest);
}

/// The end of the full blocks among [blockBegin, blockEnd): the last block of the tensor is
/// partial when blockSize does not divide n.
ALWAYS_INLINE long full_blocks_end(long n, long blockSize, long blockBegin, long blockEnd) {
  long end = blockEnd;
  if (end > blockBegin && end * blockSize > n) end -= 1;
  return end;
}

#endif
