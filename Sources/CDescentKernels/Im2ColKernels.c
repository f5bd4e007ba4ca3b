#include "KernelSupport.h"
#include "Im2ColKernels.h"

// The output columns ow whose input column ow·stride + offset lies in 0..<input.
static inline void valid_range(long offset, long stride, long input, long output, long *start,
                               long *end) {
  long a = -offset, b = input - offset;
  long s = a > 0 ? (a + stride - 1) / stride : 0;
  long e = b > 0 ? (b + stride - 1) / stride : 0;
  if (s > output) s = output;
  if (e > output) e = output;
  if (e < s) e = s;
  *start = s;
  *end = e;
}

DESCENT_CLONES void descent_im2col_plane_f32(const float *restrict src, float *restrict cols,
                                             long rowStride, long h, long w, long kh, long kw,
                                             long sh, long sw, long ph, long pw, long dh, long dw,
                                             long outH, long outW) {
  for (long ki = 0; ki < kh; ki++) {
    for (long kj = 0; kj < kw; kj++) {
      float *row = cols + (ki * kw + kj) * rowStride;
      long rowOffset = ki * dh - ph, columnOffset = kj * dw - pw;
      long start, end;
      valid_range(columnOffset, sw, w, outW, &start, &end);
      for (long oh = 0; oh < outH; oh++) {
        float *out = row + oh * outW;
        long ih = oh * sh + rowOffset;
        if (ih < 0 || ih >= h) {
          for (long ow = 0; ow < outW; ow++) out[ow] = 0;
          continue;
        }
        const float *line = src + ih * w;
        for (long ow = 0; ow < start; ow++) out[ow] = 0;
        if (sw == 1) {
          for (long ow = start; ow < end; ow++) out[ow] = line[ow + columnOffset];
        } else {
          for (long ow = start; ow < end; ow++) out[ow] = line[ow * sw + columnOffset];
        }
        for (long ow = end; ow < outW; ow++) out[ow] = 0;
      }
    }
  }
}

DESCENT_CLONES void descent_col2im_plane_f32(const float *restrict cols, float *restrict dst,
                                             long rowStride, long h, long w, long kh, long kw,
                                             long sh, long sw, long ph, long pw, long dh, long dw,
                                             long outH, long outW) {
  for (long i = 0; i < h * w; i++) dst[i] = 0;
  for (long ki = 0; ki < kh; ki++) {
    for (long kj = 0; kj < kw; kj++) {
      const float *row = cols + (ki * kw + kj) * rowStride;
      long rowOffset = ki * dh - ph, columnOffset = kj * dw - pw;
      long start, end;
      valid_range(columnOffset, sw, w, outW, &start, &end);
      for (long oh = 0; oh < outH; oh++) {
        long ih = oh * sh + rowOffset;
        if (ih < 0 || ih >= h) continue;
        float *line = dst + ih * w;
        const float *values = row + oh * outW;
        if (sw == 1) {
          for (long ow = start; ow < end; ow++) line[ow + columnOffset] += values[ow];
        } else {
          for (long ow = start; ow < end; ow++) line[ow * sw + columnOffset] += values[ow];
        }
      }
    }
  }
}
