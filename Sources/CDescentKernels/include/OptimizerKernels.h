#ifndef DESCENT_OPTIMIZER_KERNELS_H
#define DESCENT_OPTIMIZER_KERNELS_H

// Float32 in-place optimizer steps (DescentOptimizers' fast paths), one pass over n elements.
//
// Each kernel performs exactly the IEEE operations, in the same order, of the Swift loop it
// replaces (see the optimizer's `Kernel.run`): no contraction into fused multiply-adds, correctly
// rounded square roots, `descent_exp_scalar` for eˣ. So the result is bit-identical to the Swift
// general path, on every CPU, whichever clone (AVX-512, AVX2, baseline) runs. The parameter p is
// read and written; the state buffers are read and written; g is only read. No buffer may overlap
// another. Scalars are the optimizer's hyperparameters already rounded to float by the caller.
// A flag `decay` selects g ← g + wd·p (coupled weight decay) first.

/// SGD without momentum: p ← p + negLR·g.
void descent_sgd_step_f32(float *p, const float *g, long n, float negLR, int decay, float wd);

/// SGD with momentum buf (after the first step): b ← b·mu + keep·g; p ← p + negLR·b, or with
/// nesterov p ← p + negLR·(g + mu·b).
void descent_sgd_momentum_step_f32(float *p, const float *g, float *buf, long n, float negLR,
                                   float mu, float keep, int nesterov, int decay, float wd);

/// Adagrad: s ← s + g·g; p ← p + negStep·g / (√s + eps).
void descent_adagrad_step_f32(float *p, const float *g, float *sum, long n, float negStep,
                              float eps);

/// Adadelta: v ← v·rho + w·g·g; δ ← √(u + eps) / √(v + eps) · g; u ← u·rho + w·δ·δ;
/// p ← p + negLR·δ (w = 1 − rho).
void descent_adadelta_step_f32(float *p, const float *g, float *v, float *u, long n, float rho,
                               float w, float eps, float negLR);

/// RMSprop: v ← v·alpha + w·g·g (w = 1 − alpha); when gAvg is non-null (centered)
/// ḡ ← lerp(ḡ, g, w) (ḡ + w·(g − ḡ) when lerpLow, else g − (g − ḡ)·oneMinusW) and
/// a ← √(v − ḡ·ḡ), else a ← √v; a ← a + eps; when buf is non-null (momentum)
/// b ← b·mu + g / a and p ← p + negLR·b, else p ← p + negLR·g / a.
void descent_rmsprop_step_f32(float *p, const float *g, float *v, float *gAvg, float *buf, long n,
                              float alpha, float w, float oneMinusW, int lerpLow, float mu,
                              float eps, float negLR);

/// Adam (and AdamW with decay = 1 − lr·wd): m ← m + w1·(g − m); v ← v·b2 + w2·g·g;
/// p ← p·decay + negStep·m / (√v / bc2 + eps). With vMax non-null (AMSGrad) v̂ ← max(v̂, v)
/// replaces v in the denominator.
void descent_adam_step_f32(float *p, const float *g, float *m, float *v, float *vMax, long n,
                           float w1, float b2, float w2, float bc2, float eps, float negStep,
                           float decay);

/// diffGrad: m ← m·b1 + w1·g; v ← v·b2 + w2·g·g; ξ ← 1 / (1 + e^{−|prev − g|}); prev ← g;
/// p ← p + negStep·(m·ξ) / (√v + eps).
void descent_diffgrad_step_f32(float *p, const float *g, float *m, float *v, float *prev, long n,
                               float b1, float w1, float b2, float w2, float eps, float negStep);

/// AdaGrad-Norm's update pass: p ← p + negStep·g / d.
void descent_adagradnorm_step_f32(float *p, const float *g, long n, float negStep, float d,
                                  int decay, float wd);

/// Σ e², e = (float)(g + wd·p) when decay else g, each square and sum in double: 32 interleaved
/// accumulators (element i into accumulator i mod 32, as four vectors of eight), the vectors
/// added pairwise ((a0 + a1) + (a2 + a3)) and their eight lanes pairwise, so the result depends
/// only on n, never on the CPU. p may be null when decay is 0.
double descent_sum_squares_f32(const float *g, const float *p, long n, int decay, float wd);

#endif
