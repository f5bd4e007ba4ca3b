#include "KernelSupport.h"
#include "RandomKernels.h"

#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE uint64_t double_bits(double x) {
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}

ALWAYS_INLINE double bits_double(uint64_t b) {
  double x;
  memcpy(&x, &b, sizeof x);
  return x;
}

// One Philox4x32-10 evaluation per lane, over `lanes` consecutive blocks held as four word arrays
// (structure of arrays, so the rounds vectorize: 64-bit products of 32-bit words).
ALWAYS_INLINE void philox_lanes(uint64_t first, int lanes, uint32_t extra, uint32_t domain,
                                uint32_t key0, uint32_t key1, uint32_t *restrict out) {
  enum { LANES = 16 };
  uint32_t c0[LANES], c1[LANES], c2[LANES], c3[LANES];
  for (int l = 0; l < LANES; l++) {
    uint64_t index = first + (uint64_t)l;
    c0[l] = (uint32_t)index;
    c1[l] = (uint32_t)(index >> 32);
    c2[l] = extra;
    c3[l] = domain;
  }
  uint32_t k0 = key0, k1 = key1;
  for (int round = 0; round < 10; round++) {
    for (int l = 0; l < LANES; l++) {
      uint64_t p0 = (uint64_t)0xD2511F53u * c0[l];
      uint64_t p1 = (uint64_t)0xCD9E8D57u * c2[l];
      uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[l] ^ k0;
      uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3[l] ^ k1;
      c1[l] = (uint32_t)p1;
      c3[l] = (uint32_t)p0;
      c0[l] = n0;
      c2[l] = n2;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  if (lanes == LANES) {
    for (int l = 0; l < LANES; l++) {
      out[4 * l] = c0[l];
      out[4 * l + 1] = c1[l];
      out[4 * l + 2] = c2[l];
      out[4 * l + 3] = c3[l];
    }
    return;
  }
  for (int l = 0; l < lanes; l++) {
    out[4 * l] = c0[l];
    out[4 * l + 1] = c1[l];
    out[4 * l + 2] = c2[l];
    out[4 * l + 3] = c3[l];
  }
}

DESCENT_CLONES void descent_philox4x32_blocks(uint64_t first, long count, uint32_t extra,
                                              uint32_t domain, uint32_t key0, uint32_t key1,
                                              uint32_t *restrict out) {
  for (long i = 0; i < count; i += 16) {
    int lanes = count - i < 16 ? (int)(count - i) : 16;
    philox_lanes(first + (uint64_t)i, lanes, extra, domain, key0, key1, out + 4 * i);
  }
}

// ln x for positive normal x: x = m·2^e with m in [√½, √2), f = m − 1 (exact), s = f/(2 + f),
// ln(1 + f) = 2 atanh s = f − s·(f − R) with R = Σₖ 2s²ᵏ/(2k + 1) (k = 1…11: |s| ≤ 0.172, so
// the first omitted term is below 2⁻⁶⁰ of the result), plus e·ln 2 in two parts (hi has 32
// significant bits, so e·hi is exact).
ALWAYS_INLINE double log_positive(double x) {
  uint64_t bits = double_bits(x);
  int64_t e = (int64_t)(bits >> 52) - 1023;
  double m = bits_double((bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);  // [1, 2)
  int big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = big ? e + 1 : e;
  double f = m - 1.0;
  double s = f / (2.0 + f);
  double z = s * s;
  double r = 2.0 / 23.0;
  r = r * z + 2.0 / 21.0;
  r = r * z + 2.0 / 19.0;
  r = r * z + 2.0 / 17.0;
  r = r * z + 2.0 / 15.0;
  r = r * z + 2.0 / 13.0;
  r = r * z + 2.0 / 11.0;
  r = r * z + 2.0 / 9.0;
  r = r * z + 2.0 / 7.0;
  r = r * z + 2.0 / 5.0;
  r = r * z + 2.0 / 3.0;
  r = r * z;
  double de = (double)e;
  const double ln2Hi = 0.6931471806019545;
  const double ln2Lo = -4.2009150726810846e-11;
  return de * ln2Hi + ((f - s * (f - r)) + de * ln2Lo);
}

// sin θ and cos θ for θ in [0, 2π]: k = nearest integer to θ/(π/2), r = θ − k·π/2 with π/2 in
// two parts (hi has 33 significant bits, so k·hi is exact), |r| ≤ π/4; Taylor polynomials to
// r¹⁷ and r¹⁸ (first omitted term below 2⁻⁶⁰); the quadrant k mod 4 swaps and negates.
ALWAYS_INLINE void sincos_bounded(double theta, double *sine, double *cosine) {
  double k = __builtin_rint(theta * 0.6366197723675814);
  const double halfPiHi = 1.5707963267341256;
  const double halfPiLo = 6.077100506506192e-11;
  double r = (theta - k * halfPiHi) - k * halfPiLo;
  double z = r * r;
  double sp = 1.0 / 355687428096000.0;  // 1/17!
  sp = sp * z - 1.0 / 1307674368000.0;
  sp = sp * z + 1.0 / 6227020800.0;
  sp = sp * z - 1.0 / 39916800.0;
  sp = sp * z + 1.0 / 362880.0;
  sp = sp * z - 1.0 / 5040.0;
  sp = sp * z + 1.0 / 120.0;
  sp = sp * z - 1.0 / 6.0;
  double sinR = r + r * (z * sp);
  double cp = -1.0 / 6402373705728000.0;  // −1/18!
  cp = cp * z + 1.0 / 20922789888000.0;
  cp = cp * z - 1.0 / 87178291200.0;
  cp = cp * z + 1.0 / 479001600.0;
  cp = cp * z - 1.0 / 3628800.0;
  cp = cp * z + 1.0 / 40320.0;
  cp = cp * z - 1.0 / 720.0;
  cp = cp * z + 1.0 / 24.0;
  double cosR = (1.0 - 0.5 * z) + (z * z) * cp;
  int quadrant = (int)k & 3;
  double s = (quadrant & 1) ? cosR : sinR;
  double c = (quadrant & 1) ? sinR : cosR;
  *sine = (quadrant & 2) ? -s : s;
  *cosine = (quadrant == 1 || quadrant == 2) ? -c : c;
}

ALWAYS_INLINE void box_muller(double u1, double u2, double *z0, double *z1) {
  double r = __builtin_elementwise_sqrt(-2.0 * log_positive(u1));
  double sine, cosine;
  sincos_bounded(2.0 * 3.141592653589793 * u2, &sine, &cosine);
  *z0 = r * cosine;
  *z1 = r * sine;
}

DESCENT_CLONES void descent_box_muller_f32(const uint32_t *restrict words, long blocks,
                                           double mean, double std, float *restrict out) {
  for (long i = 0; i < 2 * blocks; i++) {
    double u1 = (double)words[2 * i] * 0x1p-32 + 0x1p-33;
    double u2 = (double)words[2 * i + 1] * 0x1p-32;
    double z0, z1;
    box_muller(u1, u2, &z0, &z1);
    out[2 * i] = (float)(z0 * std + mean);
    out[2 * i + 1] = (float)(z1 * std + mean);
  }
}

DESCENT_CLONES void descent_box_muller_f64(const uint32_t *restrict words, long blocks,
                                           double mean, double std, double *restrict out) {
  for (long k = 0; k < blocks; k++) {
    const uint32_t *w = words + 4 * k;
    double u1 = (double)((((uint64_t)w[0] << 32) | w[1]) >> 11) * 0x1p-53 + 0x1p-54;
    double u2 = (double)((((uint64_t)w[2] << 32) | w[3]) >> 11) * 0x1p-53;
    double z0, z1;
    box_muller(u1, u2, &z0, &z1);
    out[2 * k] = z0 * std + mean;
    out[2 * k + 1] = z1 * std + mean;
  }
}

DESCENT_CLONES void descent_log_f64(const double *restrict x, double *restrict out, long n) {
  for (long i = 0; i < n; i++) out[i] = log_positive(x[i]);
}

DESCENT_CLONES void descent_sincos_f64(const double *restrict theta, double *restrict sine,
                                       double *restrict cosine, long n) {
  for (long i = 0; i < n; i++) sincos_bounded(theta[i], &sine[i], &cosine[i]);
}
