#include "KernelSupport.h"
#include "StreamKernels.h"

DESCENT_CLONES void descent_stream_triad_f32(float *restrict a, const float *restrict b,
                                             const float *restrict c, float s, long n) {
  for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
}

DESCENT_CLONES void descent_stream_4r3w_f32(float *restrict p, const float *restrict g,
                                            float *restrict m, float *restrict v, long n) {
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    float mi = 0.9f * m[i] + 0.1f * gi;
    float vi = 0.999f * v[i] + 0.001f * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= 0.001f * mi + 0.0001f * vi;
  }
}
