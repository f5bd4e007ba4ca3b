#ifndef DESCENT_KERNELS_H
#define DESCENT_KERNELS_H

#include <stdint.h>
#include <string.h>

#pragma clang fp contract(off)

// Vectorized float32 kernels for Descent's hot elementwise functions. Each is compiled for
// AVX-512, AVX2+FMA and baseline x86-64 (target_clones), and the loader picks the best one for the
// running CPU, so the binary stays portable. Methods and accuracy are documented with the scalar
// forms below; every bulk function maps x[0..<n] to y[0..<n] (x and y may be the same buffer).
// No multiply-adds are contracted (KernelSupport.h, and the pragma below for the inline forms),
// so every CPU computes the same bits.

void descent_exp_f32(const float *x, float *y, long n);
void descent_log_f32(const float *x, float *y, long n);
void descent_tanh_f32(const float *x, float *y, long n);
void descent_sigmoid_f32(const float *x, float *y, long n);

// Scalar forms, inlined into Swift loops (fused optimizer steps) so that those loops vectorize.
// On Linux, Swift's `squareRoot()` and `Float.exp` call libm, which may set errno; that keeps
// LLVM from vectorizing any loop containing them. These are branch-free and errno-free.

/// √x, correctly rounded (the `llvm.sqrt` intrinsic: IEEE square root, no errno).
static inline __attribute__((always_inline)) float descent_sqrtf(float x) {
  return __builtin_elementwise_sqrt(x);
}

/// √x, correctly rounded, for double.
static inline __attribute__((always_inline)) double descent_sqrt(double x) {
  return __builtin_elementwise_sqrt(x);
}

static inline __attribute__((always_inline)) float descent_bits_to_float(int32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static inline __attribute__((always_inline)) int32_t descent_float_to_bits(float f) {
  int32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return bits;
}

// e^x (Cephes expf, branch-free): n = round(x·log2 e) through the 1.5·2^23 shifter, which also
// leaves n in the low mantissa bits; r = x − n·ln2 in two parts (Cody–Waite); e^r by a degree-6
// polynomial on [−ln2/2, ln2/2]; 2^n applied as two exact powers of two so that subnormal results
// and overflow come out right. Within 2 ulp over the float range (tested against double exp).
static inline __attribute__((always_inline)) float descent_exp_scalar(float value) {
  // Below −104 the result rounds to 0: it is computed from x = 0 and replaced by 0, so that −∞
  // (a masked softmax score) never runs through subnormal arithmetic, many times slower.
  int tiny = value < -104.0f;
  float x = (value != value || tiny) ? 0.0f : (value > 89.0f ? 89.0f : value);
  const float shifter = 12582912.0f;
  float t = x * 1.44269504f + shifter;
  float n = t - shifter;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  int32_t k = descent_float_to_bits(t) - 0x4B400000;
  int32_t k1 = k >> 1;
  int32_t k2 = k - k1;
  float result = y * descent_bits_to_float((k1 + 127) << 23) * descent_bits_to_float((k2 + 127) << 23);
  return value != value ? value : (tiny ? 0.0f : result);
}

// ln x (Cephes logf, branch-free): x = m·2^e with m in [√½, √2), ln m by a degree-9 polynomial in
// (m − 1), plus e·ln2 in two parts. Subnormal inputs are scaled by 2^23 first. Special values:
// ln 0 = −∞, ln x<0 = NaN, ln ∞ = ∞, NaN → NaN.
static inline __attribute__((always_inline)) float descent_log_scalar(float value) {
  int subnormal = value < 1.17549435e-38f;
  float x = subnormal ? value * 8388608.0f : value;
  int32_t bits = descent_float_to_bits(x);
  int32_t e = ((bits >> 23) & 0xff) - 126;
  float m = descent_bits_to_float((bits & 0x007fffff) | 0x3f000000);  // [0.5, 1)
  int small = m < 0.707106781186547524f;
  e -= small;
  m = small ? m + m - 1.0f : m - 1.0f;
  float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float fe = (float)e - (subnormal ? 23.0f : 0.0f);
  float y = p * m * z;
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  float result = m + y + fe * 0.693359375f;
  if (value != value || value < 0.0f) result = __builtin_nanf("");
  if (value == 0.0f) result = -__builtin_inff();
  if (value == __builtin_inff()) result = value;
  return result;
}

// tanh x: for |x| < 0.625 the Cephes odd polynomial; otherwise 1 − 2/(e^{2|x|} + 1) with the sign
// restored. Saturates to ±1; NaN → NaN.
static inline __attribute__((always_inline)) float descent_tanh_scalar(float x) {
  float a = x < 0.0f ? -x : x;
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = x + x * z * p;
  float e = descent_exp_scalar(2.0f * (a > 44.0f ? 44.0f : a));
  float large = 1.0f - 2.0f / (e + 1.0f);
  large = x < 0.0f ? -large : large;
  return a < 0.625f ? small : (x != x ? x : large);
}

// 1/(1 + e^{−x}) for x ≥ 0 and e^x/(1 + e^x) below, both from e = e^{−|x|} ≤ 1: never
// overflows, and keeps full relative precision down to subnormal results. NaN → NaN.
static inline __attribute__((always_inline)) float descent_sigmoid_scalar(float x) {
  float e = descent_exp_scalar(x < 0.0f ? x : -x);
  float s = 1.0f / (1.0f + e);
  return x >= 0.0f ? s : (x != x ? x : e * s);
}

#endif
