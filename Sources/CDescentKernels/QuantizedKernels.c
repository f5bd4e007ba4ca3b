#include "KernelSupport.h"
#include "DescentKernels.h"
#include "QuantizedKernels.h"
#include "QuantizedSupport.h"

DESCENT_CLONES void descent_quantize_blockwise_f32(const float *restrict x,
                                                   unsigned char *restrict codes,
                                                   float *restrict absmax, long n, long blockSize,
                                                   long blockBegin, long blockEnd,
                                                   const unsigned int *restrict nearest) {
  for (long b = blockBegin; b < blockEnd; b++) {
    long start = b * blockSize;
    long len = n - start < blockSize ? n - start : blockSize;
    float am = abs_max(x + start, len);
    absmax[b] = am;
    encode(x + start, codes + start, len, clamp_scale(am), len < blockSize, nearest);
  }
}

DESCENT_CLONES void descent_dequantize_blockwise_f32(const unsigned char *restrict codes,
                                                     const float *restrict absmax,
                                                     float *restrict out, long n, long blockSize,
                                                     long blockBegin, long blockEnd,
                                                     const float *restrict map) {
  for (long b = blockBegin; b < blockEnd; b++) {
    long start = b * blockSize;
    long len = n - start < blockSize ? n - start : blockSize;
    float am = absmax[b];
    for (long i = 0; i < len; i++) out[start + i] = map[codes[start + i]] * am;
  }
}

ALWAYS_INLINE void adam8bit_block(float *restrict p, const float *restrict g,
                                  descent_quantized_state m, descent_quantized_state v,
                                  long start, long len, int partial, float w1, float b2, float w2,
                                  float bc2, float eps, float negStep, float decay, int coupled,
                                  float wd, int maximize) {
  float mNew[MAX_BLOCK];
  float vNew[MAX_BLOCK];
  const float *restrict mMap = m.map;
  const float *restrict vMap = v.map;
  const unsigned char *restrict mq = m.codes + start;
  const unsigned char *restrict vq = v.codes + start;
  float *restrict pp = p + start;
  const float *restrict gg = g + start;
  float mAm = m.absmax[0];
  float vAm = v.absmax[0];
  for (long i = 0; i < len; i++) {
    float pi = pp[i];
    float gi = maximize ? -gg[i] : gg[i];
    if (coupled) gi = gi + wd * pi;
    float mi = mMap[mq[i]] * mAm;
    float vi = vMap[vq[i]] * vAm;
    float mN = mi + w1 * (gi - mi);
    float vN = vi * b2 + (w2 * gi) * gi;
    mNew[i] = mN;
    vNew[i] = vN;
    pp[i] = pi * decay + (negStep * mN) / (descent_sqrtf(vN) / bc2 + eps);
  }
  float mScale = abs_max(mNew, len);
  float vScale = abs_max(vNew, len);
  m.absmax[0] = mScale;
  v.absmax[0] = vScale;
  encode(mNew, m.codes + start, len, clamp_scale(mScale), partial, m.nearest);
  encode(vNew, v.codes + start, len, clamp_scale(vScale), partial, v.nearest);
}

DESCENT_CLONES static void adam8bit_step_portable(float *p, const float *g,
                                                  descent_quantized_state m,
                                                  descent_quantized_state v, long n,
                                                  long blockSize, long blockBegin, long blockEnd,
                                                  float w1, float b2, float w2, float bc2,
                                                  float eps, float negStep, float decay,
                                                  int coupled, float wd, int maximize) {
  for (long b = blockBegin; b < blockEnd; b++) {
    long start = b * blockSize;
    long len = n - start < blockSize ? n - start : blockSize;
    descent_quantized_state mb = m, vb = v;
    mb.absmax = m.absmax + b;
    vb.absmax = v.absmax + b;
    int partial = len < blockSize;
    if (maximize) {
      adam8bit_block(p, g, mb, vb, start, len, partial, w1, b2, w2, bc2, eps, negStep, decay,
                     coupled, wd, 1);
    } else if (coupled) {
      adam8bit_block(p, g, mb, vb, start, len, partial, w1, b2, w2, bc2, eps, negStep, decay, 1,
                     wd, 0);
    } else {
      adam8bit_block(p, g, mb, vb, start, len, partial, w1, b2, w2, bc2, eps, negStep, decay, 0,
                     wd, 0);
    }
  }
}

ALWAYS_INLINE void one_state_block(int kind, float *restrict p, const float *restrict g,
                                   descent_quantized_state s, long len, int partial, float negLR,
                                   float mu, float keep, float eps, int firstStep, int nesterov,
                                   int decay, float wd, int maximize) {
  float sNew[MAX_BLOCK];
  const float *restrict map = s.map;
  const unsigned char *restrict q = s.codes;
  float am = s.absmax[0];
  for (long i = 0; i < len; i++) {
    float pi = p[i];
    float gi = maximize ? -g[i] : g[i];
    if (decay) gi = gi + wd * pi;
    float si = map[q[i]] * am;
    float sN;
    float step;
    if (kind == DESCENT_Q8_SGD_MOMENTUM) {
      sN = firstStep ? gi : si * mu + keep * gi;
      step = nesterov ? gi + mu * sN : sN;
    } else if (kind == DESCENT_Q8_ADAGRAD) {
      sN = si + gi * gi;
      step = gi / (descent_sqrtf(sN) + eps);
    } else {
      sN = si * mu + (keep * gi) * gi;
      step = gi / (descent_sqrtf(sN) + eps);
    }
    sNew[i] = sN;
    p[i] = pi + negLR * step;
  }
  float scale = abs_max(sNew, len);
  s.absmax[0] = scale;
  encode(sNew, s.codes, len, clamp_scale(scale), partial, s.nearest);
}

DESCENT_CLONES static void one_state8bit_step_portable(int kind, float *p, const float *g,
                                                       descent_quantized_state s, long n,
                                                       long blockSize, long blockBegin,
                                                       long blockEnd, float negLR, float mu,
                                                       float keep, float eps, int firstStep,
                                                       int nesterov, int decay, float wd,
                                                       int maximize) {
  for (long b = blockBegin; b < blockEnd; b++) {
    long start = b * blockSize;
    long len = n - start < blockSize ? n - start : blockSize;
    descent_quantized_state sb = s;
    sb.codes = s.codes + start;
    sb.absmax = s.absmax + b;
    int partial = len < blockSize;
    if (kind == DESCENT_Q8_SGD_MOMENTUM) {
      one_state_block(DESCENT_Q8_SGD_MOMENTUM, p + start, g + start, sb, len, partial, negLR, mu,
                      keep, eps, firstStep, nesterov, decay, wd, maximize);
    } else if (kind == DESCENT_Q8_ADAGRAD) {
      one_state_block(DESCENT_Q8_ADAGRAD, p + start, g + start, sb, len, partial, negLR, mu, keep,
                      eps, firstStep, nesterov, decay, wd, maximize);
    } else {
      one_state_block(DESCENT_Q8_RMSPROP, p + start, g + start, sb, len, partial, negLR, mu, keep,
                      eps, firstStep, nesterov, decay, wd, maximize);
    }
  }
}

void descent_adam8bit_step_f32(float *p, const float *g, descent_quantized_state m,
                               descent_quantized_state v, long n, long blockSize, long blockBegin,
                               long blockEnd, float w1, float b2, float w2, float bc2, float eps,
                               float negStep, float decay, int coupled, float wd, int maximize) {
#ifdef DESCENT_Q8_HAS_AVX512_PATH
  if (descent_q8_avx512_available()) {
    long fullEnd = full_blocks_end(n, blockSize, blockBegin, blockEnd);
    descent_adam8bit_blocks_avx512(p, g, m, v, blockSize, blockBegin, fullEnd, w1, b2, w2, bc2,
                                   eps, negStep, decay, coupled, wd, maximize);
    blockBegin = fullEnd;
  }
#endif
  if (blockBegin < blockEnd) {
    adam8bit_step_portable(p, g, m, v, n, blockSize, blockBegin, blockEnd, w1, b2, w2, bc2, eps,
                           negStep, decay, coupled, wd, maximize);
  }
}

void descent_one_state8bit_step_f32(int kind, float *p, const float *g, descent_quantized_state s,
                                    long n, long blockSize, long blockBegin, long blockEnd,
                                    float negLR, float mu, float keep, float eps, int firstStep,
                                    int nesterov, int decay, float wd, int maximize) {
#ifdef DESCENT_Q8_HAS_AVX512_PATH
  if (descent_q8_avx512_available()) {
    long fullEnd = full_blocks_end(n, blockSize, blockBegin, blockEnd);
    descent_one_state8bit_blocks_avx512(kind, p, g, s, blockSize, blockBegin, fullEnd, negLR, mu,
                                        keep, eps, firstStep, nesterov, decay, wd, maximize);
    blockBegin = fullEnd;
  }
#endif
  if (blockBegin < blockEnd) {
    one_state8bit_step_portable(kind, p, g, s, n, blockSize, blockBegin, blockEnd, negLR, mu,
                                keep, eps, firstStep, nesterov, decay, wd, maximize);
  }
}
