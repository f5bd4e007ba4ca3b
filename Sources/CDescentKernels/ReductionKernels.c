#include "KernelSupport.h"
#include "ReductionKernels.h"

DESCENT_CLONES float descent_sum_block_f32(const float *restrict x, long n) {
  float acc[32] = {0};
  long i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int j = 0; j < 32; j++) acc[j] += x[i + j];
  }
  for (int width = 16; width >= 1; width /= 2) {
    for (int j = 0; j < width; j++) acc[j] += acc[j + width];
  }
  float tail = 0;
  for (; i < n; i++) tail += x[i];
  return acc[0] + tail;
}

DESCENT_CLONES void descent_accumulate_rows_f32(float *restrict acc, const float *restrict x,
                                                long rowStride, long rows, long n) {
  long r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float *x0 = x + r * rowStride, *x1 = x0 + rowStride, *x2 = x1 + rowStride,
                *x3 = x2 + rowStride;
    for (long i = 0; i < n; i++) acc[i] = (((acc[i] + x0[i]) + x1[i]) + x2[i]) + x3[i];
  }
  for (; r < rows; r++) {
    const float *xr = x + r * rowStride;
    for (long i = 0; i < n; i++) acc[i] += xr[i];
  }
}
