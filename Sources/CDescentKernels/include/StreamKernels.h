#ifndef DESCENT_STREAM_KERNELS_H
#define DESCENT_STREAM_KERNELS_H

// Memory-bandwidth probes (STREAM-style), vectorized like the kernels they measure, so that
// `descent bench` compares Descent's kernels with what this machine's memory can actually do.

/// a[i] = b[i] + s·c[i] (STREAM triad; 12 bytes counted per element).
void descent_stream_triad_f32(float *a, const float *b, const float *c, float s, long n);

/// The optimizer-step pattern: reads p, g, m, v and writes p, m, v (28 bytes per element) with
/// trivial arithmetic.
void descent_stream_4r3w_f32(float *p, const float *g, float *m, float *v, long n);

#endif
