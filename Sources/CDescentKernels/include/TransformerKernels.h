#ifndef DESCENT_TRANSFORMER_KERNELS_H
#define DESCENT_TRANSFORMER_KERNELS_H

// Vectorized float32 kernels of the transformer's elementwise pieces (AVX-512 / AVX2 / baseline
// clones, no contracted multiply-adds: the same bits on every CPU, and the same IEEE operations
// in the same order as Descent's Swift forms in VectorizableMath.swift and Activations.swift).

/// GELU, y = x Φ(x) with Φ(x) = ½ erfc(−x/√2) (Numerical Recipes' erfcc Chebyshev fit, Cephes
/// expf): the float32 `Tensor.gelu()`.
void descent_gelu_f32(const float *x, float *y, long n);

/// GELU's derivative, y = Φ(x) + x φ(x), φ(x) = e^(−x²/2)/√(2π).
void descent_gelu_derivative_f32(const float *x, float *y, long n);

/// Layer normalization of `rows` rows of `n` values: per row μ = Σx/n, σ² = Σ(x − μ)²/n,
/// r = 1/√(σ² + ε), y = (x − μ)·r·w + b (w, b may be NULL); μ and r are written to mean[row] and
/// rstd[row]. Sums use 16 fixed lanes, then a fixed pairwise combine and the tail in order: the
/// same bits on every CPU and for any split of the rows.
void descent_layer_norm_forward_f32(const float *x, const float *w, const float *b, float *y,
                                    float *mean, float *rstd, long rows, long n, float epsilon);

/// Its input gradient for `rows` rows: with x̂ = (x − μ)·r and ĝ = g·w (g where w is NULL),
/// dx = r·(ĝ − Σĝ/n − x̂·Σĝx̂/n), sums as in the forward kernel.
void descent_layer_norm_backward_f32(const float *x, const float *w, const float *g,
                                     const float *mean, const float *rstd, float *dx, long rows,
                                     long n);

#endif
