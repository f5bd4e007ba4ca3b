#ifndef DESCENT_QUANTIZED_SUPPORT_H
#define DESCENT_QUANTIZED_SUPPORT_H

// Shared by the 8-bit kernels (private: not in include/): the nearest-code lookup, block scales
// and re-encoding of a block, with the semantics documented in include/QuantizedKernels.h.

#include "KernelSupport.h"
#include "QuantizedKernels.h"

#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

enum { MAX_BLOCK = 4096 };

ALWAYS_INLINE unsigned char nearest_code(float x, const unsigned int *restrict nearest) {
  unsigned int bits;
  memcpy(&bits, &x, sizeof bits);
  unsigned int sign = bits >> 31;
  unsigned int exponent = (bits >> 23) & 0xFF;
  unsigned int prefix = (bits >> 15) & 0xFF;
  unsigned int low = bits & 0x7FFF;
  unsigned int tiny = exponent < DESCENT_Q8_MIN_EXPONENT;
  unsigned int large = exponent > 127;
  exponent = tiny ? DESCENT_Q8_MIN_EXPONENT : (large ? 127 : exponent);
  prefix = tiny ? 0 : (large ? 255 : prefix);
  unsigned int entry = nearest[sign * DESCENT_Q8_BUCKETS_PER_SIGN +
                               (exponent - DESCENT_Q8_MIN_EXPONENT) * 256 + prefix];
  unsigned int mid = entry & 0x7FFF;
  unsigned int above = sign ? low < mid : low > mid;
  return (unsigned char)((entry >> 16) + above);
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

#endif
