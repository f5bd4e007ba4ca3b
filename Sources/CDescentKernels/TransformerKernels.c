#include "KernelSupport.h"
#include "DescentKernels.h"
#include "TransformerKernels.h"

// erfc x (Numerical Recipes' erfcc): t e^(−z² + P(t)), z = |x|, t = 1/(1 + z/2); 2 − … for x < 0.
// The same operations as `vectorizableErfc` in VectorizableMath.swift.
static inline __attribute__((always_inline)) float descent_erfc_scalar(float x) {
  float z = x < 0.0f ? -x : x;
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  float tail = t * descent_exp_scalar(p - z * z);
  return x >= 0.0f ? tail : 2.0f - tail;
}

static inline __attribute__((always_inline)) float descent_normal_cdf_scalar(float x) {
  return 0.5f * descent_erfc_scalar(-x * 0.707106781f);
}

DESCENT_CLONES void descent_gelu_f32(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = x[i] * descent_normal_cdf_scalar(x[i]);
}

DESCENT_CLONES void descent_gelu_derivative_f32(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) {
    float v = x[i];
    float cdf = descent_normal_cdf_scalar(v);
    float pdf = descent_exp_scalar(-0.5f * v * v) * 0.3989422804014327f;
    y[i] = cdf + v * pdf;
  }
}

// Σ f(j) over j < n in 16 fixed lanes, then pairwise, then the tail in order.
#define DESCENT_LANE_SUM(result, n, term)                                    \
  do {                                                                       \
    float acc_[16] = {0};                                                    \
    long j_ = 0;                                                             \
    for (; j_ + 16 <= (n); j_ += 16) {                                       \
      for (int l_ = 0; l_ < 16; l_++) {                                      \
        long j = j_ + l_;                                                    \
        acc_[l_] += (term);                                                  \
      }                                                                      \
    }                                                                        \
    for (int w_ = 8; w_ >= 1; w_ /= 2)                                       \
      for (int l_ = 0; l_ < w_; l_++) acc_[l_] += acc_[l_ + w_];             \
    float tail_ = 0;                                                         \
    for (; j_ < (n); j_++) {                                                 \
      long j = j_;                                                           \
      tail_ += (term);                                                       \
    }                                                                        \
    (result) = acc_[0] + tail_;                                              \
  } while (0)

DESCENT_CLONES void descent_layer_norm_forward_f32(const float *x, const float *w, const float *b,
                                                   float *y, float *mean, float *rstd, long rows,
                                                   long n, float epsilon) {
  float inverse_n = 1.0f / (float)n;
  for (long row = 0; row < rows; row++) {
    const float *xr = x + row * n;
    float *yr = y + row * n;
    float sum, squares;
    DESCENT_LANE_SUM(sum, n, xr[j]);
    float mu = sum * inverse_n;
    DESCENT_LANE_SUM(squares, n, (xr[j] - mu) * (xr[j] - mu));
    float r = 1.0f / descent_sqrtf(squares * inverse_n + epsilon);
    mean[row] = mu;
    rstd[row] = r;
    if (w && b) {
      for (long j = 0; j < n; j++) yr[j] = (xr[j] - mu) * r * w[j] + b[j];
    } else if (w) {
      for (long j = 0; j < n; j++) yr[j] = (xr[j] - mu) * r * w[j];
    } else if (b) {
      for (long j = 0; j < n; j++) yr[j] = (xr[j] - mu) * r + b[j];
    } else {
      for (long j = 0; j < n; j++) yr[j] = (xr[j] - mu) * r;
    }
  }
}

DESCENT_CLONES void descent_layer_norm_backward_f32(const float *x, const float *w, const float *g,
                                                    const float *mean, const float *rstd, float *dx,
                                                    long rows, long n) {
  float inverse_n = 1.0f / (float)n;
  for (long row = 0; row < rows; row++) {
    const float *xr = x + row * n, *gr = g + row * n;
    float *dr = dx + row * n;
    float mu = mean[row], r = rstd[row];
    float sum_g, sum_gx;
    if (w) {
      DESCENT_LANE_SUM(sum_g, n, gr[j] * w[j]);
      DESCENT_LANE_SUM(sum_gx, n, gr[j] * w[j] * ((xr[j] - mu) * r));
    } else {
      DESCENT_LANE_SUM(sum_g, n, gr[j]);
      DESCENT_LANE_SUM(sum_gx, n, gr[j] * ((xr[j] - mu) * r));
    }
    float a = sum_g * inverse_n, c = sum_gx * inverse_n;
    if (w) {
      for (long j = 0; j < n; j++) dr[j] = r * (gr[j] * w[j] - a - (xr[j] - mu) * r * c);
    } else {
      for (long j = 0; j < n; j++) dr[j] = r * (gr[j] - a - (xr[j] - mu) * r * c);
    }
  }
}
