#include "KernelSupport.h"
#include "DescentKernels.h"
#include "OptimizerKernels.h"

// Every expression below is parenthesized as Swift evaluates the same formula in the optimizer's
// `Kernel.run` (left to right: `a * b * c` is `(a * b) * c`), so the bits agree with it.
// The always-inline bodies take their flags as constants: each kernel dispatches once, outside the
// loop, to a specialized loop that vectorizes.

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE float decayed(float g, float p, int decay, float wd) {
  return decay ? g + wd * p : g;
}

ALWAYS_INLINE void sgd(float *restrict p, const float *restrict g, long n, float negLR, int decay,
                       float wd) {
  for (long i = 0; i < n; i++) {
    float pi = p[i];
    p[i] = pi + negLR * decayed(g[i], pi, decay, wd);
  }
}

DESCENT_CLONES void descent_sgd_step_f32(float *restrict p, const float *restrict g, long n,
                                         float negLR, int decay, float wd) {
  if (decay) sgd(p, g, n, negLR, 1, wd);
  else sgd(p, g, n, negLR, 0, wd);
}

ALWAYS_INLINE void sgd_momentum(float *restrict p, const float *restrict g, float *restrict buf,
                                long n, float negLR, float mu, float keep, int nesterov,
                                int decay, float wd) {
  for (long i = 0; i < n; i++) {
    float pi = p[i];
    float gi = decayed(g[i], pi, decay, wd);
    float m = buf[i] * mu + keep * gi;
    buf[i] = m;
    p[i] = pi + negLR * (nesterov ? gi + mu * m : m);
  }
}

DESCENT_CLONES void descent_sgd_momentum_step_f32(float *restrict p, const float *restrict g,
                                                  float *restrict buf, long n, float negLR,
                                                  float mu, float keep, int nesterov, int decay,
                                                  float wd) {
  if (nesterov) {
    if (decay) sgd_momentum(p, g, buf, n, negLR, mu, keep, 1, 1, wd);
    else sgd_momentum(p, g, buf, n, negLR, mu, keep, 1, 0, wd);
  } else {
    if (decay) sgd_momentum(p, g, buf, n, negLR, mu, keep, 0, 1, wd);
    else sgd_momentum(p, g, buf, n, negLR, mu, keep, 0, 0, wd);
  }
}

DESCENT_CLONES void descent_adagrad_step_f32(float *restrict p, const float *restrict g,
                                             float *restrict sum, long n, float negStep,
                                             float eps) {
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    float s = sum[i] + gi * gi;
    sum[i] = s;
    p[i] = p[i] + (negStep * gi) / (descent_sqrtf(s) + eps);
  }
}

DESCENT_CLONES void descent_adadelta_step_f32(float *restrict p, const float *restrict g,
                                              float *restrict v, float *restrict u, long n,
                                              float rho, float w, float eps, float negLR) {
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    float vNew = v[i] * rho + (w * gi) * gi;
    v[i] = vNew;
    float ui = u[i];
    float delta = (descent_sqrtf(ui + eps) / descent_sqrtf(vNew + eps)) * gi;
    u[i] = ui * rho + (w * delta) * delta;
    p[i] = p[i] + negLR * delta;
  }
}

ALWAYS_INLINE void rmsprop(float *restrict p, const float *restrict g, float *restrict v,
                           float *restrict gAvg, float *restrict buf, long n, float alpha, float w,
                           float oneMinusW, float mu, float eps, float negLR, int centered,
                           int lerpLow, int momentum) {
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    float vNew = v[i] * alpha + (w * gi) * gi;
    v[i] = vNew;
    float avg;
    if (centered) {
      float old = gAvg[i];
      float mean = lerpLow ? old + w * (gi - old) : gi - (gi - old) * oneMinusW;
      gAvg[i] = mean;
      avg = descent_sqrtf(vNew + (-1.0f * mean) * mean);
    } else {
      avg = descent_sqrtf(vNew);
    }
    avg = avg + eps;
    if (momentum) {
      float m = buf[i] * mu + gi / avg;
      buf[i] = m;
      p[i] = p[i] + negLR * m;
    } else {
      p[i] = p[i] + (negLR * gi) / avg;
    }
  }
}

DESCENT_CLONES void descent_rmsprop_step_f32(float *restrict p, const float *restrict g,
                                             float *restrict v, float *restrict gAvg,
                                             float *restrict buf, long n, float alpha, float w,
                                             float oneMinusW, int lerpLow, float mu, float eps,
                                             float negLR) {
#define RMSPROP(c, l, m) \
  rmsprop(p, g, v, gAvg, buf, n, alpha, w, oneMinusW, mu, eps, negLR, c, l, m)
  if (!gAvg) {
    if (buf) RMSPROP(0, 0, 1);
    else RMSPROP(0, 0, 0);
  } else if (lerpLow) {
    if (buf) RMSPROP(1, 1, 1);
    else RMSPROP(1, 1, 0);
  } else {
    if (buf) RMSPROP(1, 0, 1);
    else RMSPROP(1, 0, 0);
  }
#undef RMSPROP
}

ALWAYS_INLINE void adam(float *restrict p, const float *restrict g, float *restrict m,
                        float *restrict v, float *restrict vMax, long n, float w1, float b2,
                        float w2, float bc2, float eps, float negStep, float decay, int amsgrad) {
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    float mi = m[i];
    float mNew = mi + w1 * (gi - mi);
    m[i] = mNew;
    float vNew = v[i] * b2 + (w2 * gi) * gi;
    v[i] = vNew;
    float second = vNew;
    if (amsgrad) {
      // Swift.max(x, y) is `y >= x ? y : x`.
      float old = vMax[i];
      second = vNew >= old ? vNew : old;
      vMax[i] = second;
    }
    p[i] = p[i] * decay + (negStep * mNew) / (descent_sqrtf(second) / bc2 + eps);
  }
}

DESCENT_CLONES void descent_adam_step_f32(float *restrict p, const float *restrict g,
                                          float *restrict m, float *restrict v,
                                          float *restrict vMax, long n, float w1, float b2,
                                          float w2, float bc2, float eps, float negStep,
                                          float decay) {
  if (vMax) adam(p, g, m, v, vMax, n, w1, b2, w2, bc2, eps, negStep, decay, 1);
  else adam(p, g, m, v, 0, n, w1, b2, w2, bc2, eps, negStep, decay, 0);
}

DESCENT_CLONES void descent_diffgrad_step_f32(float *restrict p, const float *restrict g,
                                              float *restrict m, float *restrict v,
                                              float *restrict prev, long n, float b1, float w1,
                                              float b2, float w2, float eps, float negStep) {
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    float mNew = m[i] * b1 + w1 * gi;
    m[i] = mNew;
    float vNew = v[i] * b2 + (w2 * gi) * gi;
    v[i] = vNew;
    float friction = 1.0f / (1.0f + descent_exp_scalar(-__builtin_fabsf(prev[i] - gi)));
    prev[i] = gi;
    p[i] = p[i] + (negStep * (mNew * friction)) / (descent_sqrtf(vNew) + eps);
  }
}

ALWAYS_INLINE void adagradnorm(float *restrict p, const float *restrict g, long n, float negStep,
                               float d, int decay, float wd) {
  for (long i = 0; i < n; i++) {
    float pi = p[i];
    p[i] = pi + (negStep * decayed(g[i], pi, decay, wd)) / d;
  }
}

DESCENT_CLONES void descent_adagradnorm_step_f32(float *restrict p, const float *restrict g,
                                                 long n, float negStep, float d, int decay,
                                                 float wd) {
  if (decay) adagradnorm(p, g, n, negStep, d, 1, wd);
  else adagradnorm(p, g, n, negStep, d, 0, wd);
}

typedef float float8 __attribute__((ext_vector_type(8)));
typedef double double8 __attribute__((ext_vector_type(8)));

// 32 lanes in four vectors: element i goes into lane i mod 32 (vector (i / 8) mod 4, lane i mod 8),
// enough independent additions to hide their latency.
ALWAYS_INLINE double sum_squares(const float *restrict g, const float *restrict p, long n,
                                 int decay, float wd) {
  double8 zero = 0.0;
  double8 acc[4] = {zero, zero, zero, zero};
  long i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; k++) {
      float8 x;
      __builtin_memcpy(&x, g + i + 8 * k, sizeof x);
      if (decay) {
        float8 y;
        __builtin_memcpy(&y, p + i + 8 * k, sizeof y);
        x = x + wd * y;
      }
      double8 e = __builtin_convertvector(x, double8);
      acc[k] = acc[k] + e * e;
    }
  }
  for (; i < n; i++) {
    double e = (double)(decay ? g[i] + wd * p[i] : g[i]);
    acc[(i >> 3) & 3][i & 7] += e * e;
  }
  double8 s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

DESCENT_CLONES double descent_sum_squares_f32(const float *restrict g, const float *restrict p,
                                              long n, int decay, float wd) {
  return decay ? sum_squares(g, p, n, 1, wd) : sum_squares(g, p, n, 0, wd);
}
