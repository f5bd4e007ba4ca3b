#include "KernelSupport.h"
#include "BatchNormKernels.h"

#define LANES 16

static inline double combine(double *acc) {
  for (int width = LANES / 2; width >= 1; width /= 2)
    for (int j = 0; j < width; j++) acc[j] += acc[j + width];
  return acc[0];
}

#define DEFINE_BATCHNORM(SUFFIX, T)                                                               \
  DESCENT_CLONES void descent_batchnorm_statistics_##SUFFIX(                                      \
      const T *restrict x, long n, long c, long p, long begin, long end, double *mean,           \
      double *variance) {                                                                         \
    double count = (double)(n * p);                                                               \
    for (long k = begin; k < end; k++) {                                                          \
      double acc[LANES] = {0};                                                                    \
      double tail = 0;                                                                            \
      for (long b = 0; b < n; b++) {                                                              \
        const T *row = x + (b * c + k) * p;                                                       \
        long i = 0;                                                                               \
        for (; i + LANES <= p; i += LANES)                                                        \
          for (int j = 0; j < LANES; j++) acc[j] += (double)row[i + j];                           \
        for (; i < p; i++) tail += (double)row[i];                                                \
      }                                                                                           \
      double m = (combine(acc) + tail) / count;                                                   \
      double acc2[LANES] = {0};                                                                   \
      double tail2 = 0;                                                                           \
      for (long b = 0; b < n; b++) {                                                              \
        const T *row = x + (b * c + k) * p;                                                       \
        long i = 0;                                                                               \
        for (; i + LANES <= p; i += LANES)                                                        \
          for (int j = 0; j < LANES; j++) {                                                       \
            double d = (double)row[i + j] - m;                                                    \
            acc2[j] += d * d;                                                                     \
          }                                                                                       \
        for (; i < p; i++) {                                                                      \
          double d = (double)row[i] - m;                                                          \
          tail2 += d * d;                                                                         \
        }                                                                                         \
      }                                                                                           \
      mean[k] = m;                                                                                \
      variance[k] = (combine(acc2) + tail2) / count;                                              \
    }                                                                                             \
  }                                                                                               \
                                                                                                  \
  DESCENT_CLONES void descent_batchnorm_apply_##SUFFIX(const T *restrict x, T *restrict y, long n, \
                                                       long c, long p, long begin, long end,      \
                                                       const T *mean, const T *scale,             \
                                                       const T *shift) {                          \
    for (long b = 0; b < n; b++)                                                                  \
      for (long k = begin; k < end; k++) {                                                        \
        const T *row = x + (b * c + k) * p;                                                       \
        T *out = y + (b * c + k) * p;                                                             \
        T mu = mean[k], s = scale[k], t = shift[k];                                               \
        for (long i = 0; i < p; i++) out[i] = (row[i] - mu) * s + t;                              \
      }                                                                                           \
  }                                                                                               \
                                                                                                  \
  DESCENT_CLONES void descent_batchnorm_backward_##SUFFIX(                                        \
      const T *restrict x, const T *restrict g, T *restrict gx, long n, long c, long p,          \
      long begin, long end, const double *mean, const double *rstd, const T *gamma,              \
      double *sumG, double *sumGXhat) {                                                           \
    double count = (double)(n * p);                                                               \
    for (long k = begin; k < end; k++) {                                                          \
      double accG[LANES] = {0}, accGX[LANES] = {0};                                               \
      double tailG = 0, tailGX = 0;                                                               \
      double m = mean[k];                                                                         \
      for (long b = 0; b < n; b++) {                                                              \
        const T *xr = x + (b * c + k) * p;                                                        \
        const T *gr = g + (b * c + k) * p;                                                        \
        long i = 0;                                                                               \
        for (; i + LANES <= p; i += LANES)                                                        \
          for (int j = 0; j < LANES; j++) {                                                       \
            double gv = (double)gr[i + j];                                                        \
            accG[j] += gv;                                                                        \
            accGX[j] += gv * ((double)xr[i + j] - m);                                             \
          }                                                                                       \
        for (; i < p; i++) {                                                                      \
          double gv = (double)gr[i];                                                              \
          tailG += gv;                                                                            \
          tailGX += gv * ((double)xr[i] - m);                                                     \
        }                                                                                         \
      }                                                                                           \
      double r = rstd[k];                                                                         \
      double sg = combine(accG) + tailG;                                                          \
      double sgx = (combine(accGX) + tailGX) * r;                                                 \
      sumG[k] = sg;                                                                               \
      sumGXhat[k] = sgx;                                                                          \
      if (!gx) continue;                                                                          \
      double scale = r * (gamma ? (double)gamma[k] : 1.0);                                        \
      /* gx = ((g − sg/m) − (x − mean)·r·sgx/m)·scale */                                         \
      T meanG = (T)(sg / count), mu = (T)m, a = (T)scale, kx = (T)(r * sgx / count);              \
      for (long b = 0; b < n; b++) {                                                              \
        const T *xr = x + (b * c + k) * p;                                                        \
        const T *gr = g + (b * c + k) * p;                                                        \
        T *out = gx + (b * c + k) * p;                                                            \
        for (long i = 0; i < p; i++) out[i] = ((gr[i] - meanG) - (xr[i] - mu) * kx) * a;         \
      }                                                                                           \
    }                                                                                             \
  }

DEFINE_BATCHNORM(f32, float)
DEFINE_BATCHNORM(f64, double)
