#include "KernelSupport.h"
#include "DescentKernels.h"
#include "QuantizedDiffGradKernels.h"
#include "QuantizedSupport.h"

// The 8-bit diffGrad and AdaDelta steps (declared and documented in
// include/QuantizedDiffGradKernels.h), on the shared block helpers of QuantizedSupport.h.

#define Q8_STEP_INLINE static inline __attribute__((always_inline))

// The effective gradient: negated first when maximize, then plus wd·p when decay.
Q8_STEP_INLINE float effective_gradient(float g, float p, int decay, float wd, int maximize) {
  float gi = maximize ? -g : g;
  return decay ? gi + wd * p : gi;
}

// Requantizes x[0..<len] into one block of s (s.codes and s.absmax already point at the block).
Q8_STEP_INLINE descent_quantized_state block_of(descent_quantized_state s, long start, long b) {
  descent_quantized_state out = s;
  out.codes = s.codes + start;
  out.absmax = s.absmax + b;
  return out;
}

Q8_STEP_INLINE void diffgrad8bit_block(float *restrict p, const float *restrict g,
                                      descent_quantized_state m, descent_quantized_state v,
                                      descent_quantized_state prev, long len, int partial,
                                      float b1, float w1, float b2, float w2, float eps,
                                      float negStep, int decay, float wd, int maximize) {
  float mNew[MAX_BLOCK];
  float vNew[MAX_BLOCK];
  float gNew[MAX_BLOCK];
  float mOld[MAX_BLOCK];
  float vOld[MAX_BLOCK];
  float prevOld[MAX_BLOCK];
  decode_block(m, len, mOld);
  decode_block(v, len, vOld);
  decode_block(prev, len, prevOld);
  for (long i = 0; i < len; i++) {
    float pi = p[i];
    float gi = effective_gradient(g[i], pi, decay, wd, maximize);
    float mN = mOld[i] * b1 + w1 * gi;
    float vN = vOld[i] * b2 + (w2 * gi) * gi;
    float friction = 1.0f / (1.0f + descent_exp_scalar(-__builtin_fabsf(prevOld[i] - gi)));
    mNew[i] = mN;
    vNew[i] = vN;
    gNew[i] = gi;
    p[i] = pi + (negStep * (mN * friction)) / (descent_sqrtf(vN) + eps);
  }
  requantize_block(mNew, m, len, partial);
  requantize_block(vNew, v, len, partial);
  requantize_block(gNew, prev, len, partial);
}

DESCENT_CLONES void descent_diffgrad8bit_step_f32(float *p, const float *g,
                                                  descent_quantized_state m,
                                                  descent_quantized_state v,
                                                  descent_quantized_state previous, long n,
                                                  long blockSize, long blockBegin, long blockEnd,
                                                  float b1, float w1, float b2, float w2,
                                                  float eps, float negStep, int decay, float wd,
                                                  int maximize) {
  for (long b = blockBegin; b < blockEnd; b++) {
    long start = b * blockSize;
    long len = n - start < blockSize ? n - start : blockSize;
    int partial = len < blockSize;
    descent_quantized_state mb = block_of(m, start, b);
    descent_quantized_state vb = block_of(v, start, b);
    descent_quantized_state pb = block_of(previous, start, b);
    // Constant flags in each call, so the common case (no decay, minimizing) has no branches.
    if (!decay && !maximize) {
      diffgrad8bit_block(p + start, g + start, mb, vb, pb, len, partial, b1, w1, b2, w2, eps,
                         negStep, 0, wd, 0);
    } else {
      diffgrad8bit_block(p + start, g + start, mb, vb, pb, len, partial, b1, w1, b2, w2, eps,
                         negStep, decay, wd, maximize);
    }
  }
}

Q8_STEP_INLINE void adadelta8bit_block(float *restrict p, const float *restrict g,
                                      descent_quantized_state v, descent_quantized_state u,
                                      long len, int partial, float rho, float w, float eps,
                                      float negLR, int decay, float wd, int maximize) {
  float vNew[MAX_BLOCK];
  float uNew[MAX_BLOCK];
  float vOld[MAX_BLOCK];
  float uOld[MAX_BLOCK];
  decode_block(v, len, vOld);
  decode_block(u, len, uOld);
  for (long i = 0; i < len; i++) {
    float pi = p[i];
    float gi = effective_gradient(g[i], pi, decay, wd, maximize);
    float vN = vOld[i] * rho + (w * gi) * gi;
    float ui = uOld[i];
    float delta = (descent_sqrtf(ui + eps) / descent_sqrtf(vN + eps)) * gi;
    vNew[i] = vN;
    uNew[i] = ui * rho + (w * delta) * delta;
    p[i] = pi + negLR * delta;
  }
  requantize_block(vNew, v, len, partial);
  requantize_block(uNew, u, len, partial);
}

DESCENT_CLONES void descent_adadelta8bit_step_f32(float *p, const float *g,
                                                  descent_quantized_state v,
                                                  descent_quantized_state u, long n,
                                                  long blockSize, long blockBegin, long blockEnd,
                                                  float rho, float w, float eps, float negLR,
                                                  int decay, float wd, int maximize) {
  for (long b = blockBegin; b < blockEnd; b++) {
    long start = b * blockSize;
    long len = n - start < blockSize ? n - start : blockSize;
    int partial = len < blockSize;
    descent_quantized_state vb = block_of(v, start, b);
    descent_quantized_state ub = block_of(u, start, b);
    if (!decay && !maximize) {
      adadelta8bit_block(p + start, g + start, vb, ub, len, partial, rho, w, eps, negLR, 0, wd,
                         0);
    } else {
      adadelta8bit_block(p + start, g + start, vb, ub, len, partial, rho, w, eps, negLR, decay,
                         wd, maximize);
    }
  }
}
