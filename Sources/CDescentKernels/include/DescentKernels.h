#ifndef DESCENT_KERNELS_H
#define DESCENT_KERNELS_H

// Vectorized float32 kernels for Descent's hot elementwise functions. Each is compiled for
// AVX-512, AVX2+FMA and baseline x86-64 (target_clones), and the loader picks the best one for the
// running CPU, so the binary stays portable. Accuracy and method are documented in
// DescentKernels.c; every function maps x[0..<n] to y[0..<n] (x and y may be the same buffer).

void descent_exp_f32(const float *x, float *y, long n);
void descent_log_f32(const float *x, float *y, long n);
void descent_tanh_f32(const float *x, float *y, long n);
void descent_sigmoid_f32(const float *x, float *y, long n);

#endif
