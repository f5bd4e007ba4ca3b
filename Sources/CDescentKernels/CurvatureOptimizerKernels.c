#include "KernelSupport.h"
#include "DescentKernels.h"
#include "CurvatureOptimizerKernels.h"

// In-place float32 steps of the curvature optimizers (SophiaH, AdaHessian): the same IEEE
// operations, in the same order, as the Swift loops of their `Kernel.run` (SophiaH.swift,
// AdaHessian.swift), so the bits agree with them on every CPU (no FMA contraction: KernelSupport.h).
// Swift.max(x, y) is `y >= x ? y : x`; Swift.min(x, y) is `y < x ? y : x`.

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE long sophiah(float *restrict p, const float *restrict g, float *restrict m,
                           float *restrict h, const float *restrict e, long n, float w1, float w2,
                           float eps, float clip, float negLR, float decay, int estimate) {
  long kept = 0;
  float lo = -clip;
  for (long i = 0; i < n; i++) {
    float pi = p[i] * decay;
    float gi = g[i];
    float mi = m[i];
    float mNew = mi + w1 * (gi - mi);
    m[i] = mNew;
    float hi = h[i];
    if (estimate) {
      float ei = e[i];
      hi = hi + w2 * (ei - hi);
      h[i] = hi;
    }
    float ratio = mNew / (eps >= hi ? eps : hi);
    kept += __builtin_fabsf(ratio) < clip;
    float a = lo >= ratio ? lo : ratio;
    float clipped = clip < a ? clip : a;
    p[i] = pi + negLR * clipped;
  }
  return kept;
}

DESCENT_CLONES long descent_sophiah_step_f32(float *restrict p, const float *restrict g,
                                             float *restrict m, float *restrict h,
                                             const float *restrict estimate, long n, float w1,
                                             float w2, float eps, float clip, float negLR,
                                             float decay) {
  if (estimate) return sophiah(p, g, m, h, estimate, n, w1, w2, eps, clip, negLR, decay, 1);
  return sophiah(p, g, m, h, 0, n, w1, w2, eps, clip, negLR, decay, 0);
}

ALWAYS_INLINE void adahessian(float *restrict p, const float *restrict g, float *restrict m,
                              float *restrict v, const float *restrict d, long n, float b1,
                              float w1, float b2, float w2, float bc1, float bc2Root, float eps,
                              float lr, float wd, int decay) {
  for (long i = 0; i < n; i++) {
    float pi = p[i];
    float mNew = m[i] * b1 + g[i] * w1;
    m[i] = mNew;
    float di = d[i];
    float vNew = v[i] * b2 + (di * di) * w2;
    v[i] = vNew;
    float denom = descent_sqrtf(vNew) / bc2Root + eps;
    float direction = (mNew / bc1) / denom;
    if (decay) direction = direction + pi * wd;
    p[i] = pi - direction * lr;
  }
}

DESCENT_CLONES void descent_adahessian_step_f32(float *restrict p, const float *restrict g,
                                                float *restrict m, float *restrict v,
                                                const float *restrict d, long n, float b1,
                                                float w1, float b2, float w2, float bc1,
                                                float bc2Root, float eps, float lr, float wd) {
  if (wd != 0.0f) adahessian(p, g, m, v, d, n, b1, w1, b2, w2, bc1, bc2Root, eps, lr, wd, 1);
  else adahessian(p, g, m, v, d, n, b1, w1, b2, w2, bc1, bc2Root, eps, lr, 0.0f, 0);
}
