#ifndef DESCENT_REDUCTION_KERNELS_H
#define DESCENT_REDUCTION_KERNELS_H

/// The sum of x[0..<n] with 32 interleaved accumulators (element i goes to accumulator i mod 32),
/// combined pairwise in a fixed tree, then the tail in order. The order is fixed by the code, not
/// by the vector width, so every CPU (AVX-512, AVX2, SSE2) gives the same bits.
float descent_sum_block_f32(const float *x, long n);

#endif

#ifndef DESCENT_REDUCTION_KERNELS_ACCUMULATE
#define DESCENT_REDUCTION_KERNELS_ACCUMULATE
/// acc[i] += x[r·rowStride + i] for r in 0..<rows, i in 0..<n, in row order for every i (a
/// reduction over an outer axis; elementwise across i, so the same bits on every CPU). Four rows
/// are added per pass over `acc`, still in sequence: ((acc + x₀) + x₁) + ….
void descent_accumulate_rows_f32(float *acc, const float *x, long rowStride, long rows, long n);
#endif
