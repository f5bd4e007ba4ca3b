#ifndef DESCENT_CURVATURE_OPTIMIZER_KERNELS_H
#define DESCENT_CURVATURE_OPTIMIZER_KERNELS_H

// Float32 in-place steps of the curvature optimizers (DescentOptimizers' SophiaH and AdaHessian
// fast paths), one pass over n elements, bit-identical to the Swift loops they replace (the same
// IEEE operations in the same order, no FMA contraction; see OptimizerKernels.h). p, m and h/v
// are read and written, g and the estimate only read; no buffer may overlap another.

/// SophiaH: θ ← θ·decay; m ← m + w1·(g − m); when estimate is non-null h ← h + w2·(ĥ − h);
/// r ← m / max(h, eps); θ ← θ + negLR·clamp(r, −clip, clip). Returns the number of elements
/// with |r| < clip (not clipped).
long descent_sophiah_step_f32(float *p, const float *g, float *m, float *h, const float *estimate,
                              long n, float w1, float w2, float eps, float clip, float negLR,
                              float decay);

/// AdaHessian (Hessian power 1): m ← m·b1 + g·w1; v ← v·b2 + (D·D)·w2;
/// δ ← (m / bc1) / (√v / bc2Root + eps), plus θ·wd when wd ≠ 0; θ ← θ − δ·lr.
void descent_adahessian_step_f32(float *p, const float *g, float *m, float *v, const float *d,
                                 long n, float b1, float w1, float b2, float w2, float bc1,
                                 float bc2Root, float eps, float lr, float wd);

#endif
