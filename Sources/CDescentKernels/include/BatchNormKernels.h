#ifndef DESCENT_BATCHNORM_KERNELS_H
#define DESCENT_BATCHNORM_KERNELS_H

// Batch normalization's fused passes (Ioffe & Szegedy 2015, arXiv:1502.03167) over x laid out
// [n, c, p] (NCHW with p = H·W), for the channels begin..<end (callers split channels over
// threads; each channel is computed by one call, so the bits never depend on the threads).
// Sums run in double with 16 interleaved accumulators (element i of each [p] block goes to
// accumulator i mod 16), combined in a fixed order, the blocks in order of n: the same bits on
// every CPU.

/// mean[k] = Σ x / (n·p), variance[k] = Σ (x − mean)² / (n·p) (biased; two passes).
void descent_batchnorm_statistics_f32(const float *x, long n, long c, long p, long begin, long end,
                                      double *mean, double *variance);
void descent_batchnorm_statistics_f64(const double *x, long n, long c, long p, long begin,
                                      long end, double *mean, double *variance);

/// y = (x − mean[k])·scale[k] + shift[k] for channel k.
void descent_batchnorm_apply_f32(const float *x, float *y, long n, long c, long p, long begin,
                                 long end, const float *mean, const float *scale,
                                 const float *shift);
void descent_batchnorm_apply_f64(const double *x, double *y, long n, long c, long p, long begin,
                                 long end, const double *mean, const double *scale,
                                 const double *shift);

/// The backward pass of training-mode batch normalization, with x̂ = (x − mean[k])·rstd[k]:
/// sumG[k] = Σ g, sumGXhat[k] = Σ g·x̂, and, when gx is not null,
/// gx = (g − sumG/m − x̂·sumGXhat/m)·rstd[k]·gamma[k] (gamma null: 1), m = n·p.
void descent_batchnorm_backward_f32(const float *x, const float *g, float *gx, long n, long c,
                                    long p, long begin, long end, const double *mean,
                                    const double *rstd, const float *gamma, double *sumG,
                                    double *sumGXhat);
void descent_batchnorm_backward_f64(const double *x, const double *g, double *gx, long n, long c,
                                    long p, long begin, long end, const double *mean,
                                    const double *rstd, const double *gamma, double *sumG,
                                    double *sumGXhat);

#endif
