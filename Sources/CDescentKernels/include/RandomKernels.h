#ifndef DESCENT_RANDOM_KERNELS_H
#define DESCENT_RANDOM_KERNELS_H

#include <stdint.h>

/// Philox4x32-10 blocks `first … first + count − 1` of one stream: block i has the counter
/// (low 32 bits of i, high 32 bits of i, extra, domain) under key (key0, key1), and its four output
/// words go to out[4(i − first) … 4(i − first) + 3]. The same function as
/// Sources/Descent/Random/Philox.swift (Random123's philox4x32_R(10, …)), vectorized over blocks.
void descent_philox4x32_blocks(uint64_t first, long count, uint32_t extra, uint32_t domain,
                               uint32_t key0, uint32_t key1, uint32_t *out);

// Box–Muller normals from Philox output (Sources/Descent/Random/RandomTensors.swift), vectorized:
// with u₁ ∈ (0, 1] and u₂ ∈ [0, 1), r = √(−2 ln u₁), θ = 2π·u₂, the pair is (r cos θ, r sin θ),
// scaled as value·std + mean, all in float64. ln, sin and cos are Descent's own branch-free
// float64 approximations (descent_log_f64, descent_sincos_f64 below), within 2 ulp of the
// correctly rounded values.

/// Float32 normals: block k of `words` (4 words) gives out[4k…4k+3] from the pairs
/// (u₁, u₂) = (w₀·2⁻³² + 2⁻³³, w₁·2⁻³²) and (w₂·2⁻³² + 2⁻³³, w₃·2⁻³²).
void descent_box_muller_f32(const uint32_t *words, long blocks, double mean, double std,
                            float *out);

/// Float64 normals: block k gives out[2k…2k+1] from u₁ = ((w₀·2³² + w₁) >> 11)·2⁻⁵³ + 2⁻⁵⁴,
/// u₂ = ((w₂·2³² + w₃) >> 11)·2⁻⁵³.
void descent_box_muller_f64(const uint32_t *words, long blocks, double mean, double std,
                            double *out);

/// ln x for x in [2⁻¹⁰²², ∞) finite (positive normal numbers), elementwise (for tests).
void descent_log_f64(const double *x, double *out, long n);

/// sin θ and cos θ for θ in [0, 2π], elementwise (for tests).
void descent_sincos_f64(const double *theta, double *sine, double *cosine, long n);

#endif
