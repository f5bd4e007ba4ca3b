#include "KernelSupport.h"
#include "PoolingKernels.h"

DESCENT_CLONES void descent_maxpool_unpadded_f32(const float *restrict x, float *restrict values,
                                                 int *restrict indices, long planes, long h,
                                                 long w, long kh, long kw, long sh, long sw,
                                                 long dh, long dw, long outH, long outW) {
  for (long p = 0; p < planes; p++) {
    const float *src = x + p * h * w;
    float *out = values + p * outH * outW;
    int *index = indices + p * outH * outW;
    for (long oh = 0; oh < outH; oh++) {
      for (long ow = 0; ow < outW; ow++) {
        long first = oh * sh * w + ow * sw;
        long best = first;
        float bestValue = src[first];
        if (bestValue == bestValue) {
          for (long ki = 0; ki < kh; ki++) {
            long row = first + ki * dh * w;
            long kj = ki == 0 ? 1 : 0;
            int found = 0;
            for (; kj < kw; kj++) {
              long at = row + kj * dw;
              float v = src[at];
              if (v > bestValue || v != v) {
                best = at;
                bestValue = v;
                if (v != v) {
                  found = 1;
                  break;
                }
              }
            }
            if (found) break;
          }
        }
        out[oh * outW + ow] = bestValue;
        index[oh * outW + ow] = (int)best;
      }
    }
  }
}
