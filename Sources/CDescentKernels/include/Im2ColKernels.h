#ifndef DESCENT_IM2COL_KERNELS_H
#define DESCENT_IM2COL_KERNELS_H

// im2col and col2im of one [h, w] float32 plane (Chellapilla et al. 2006): the window at output
// (oh, ow) reads input row oh·sh − ph + ki·dh and column ow·sw − pw + kj·dw; out-of-range positions
// are zero padding. Row ki·kw + kj of the plane's columns (outH·outW values, position
// oh·outW + ow) starts at cols + (ki·kw + kj)·rowStride. Plain copies and additions in a fixed
// order: the same bits on every CPU.

/// Writes the kh·kw rows of the plane's columns.
void descent_im2col_plane_f32(const float *src, float *cols, long rowStride, long h, long w,
                              long kh, long kw, long sh, long sw, long ph, long pw, long dh,
                              long dw, long outH, long outW);

/// Overwrites the [h, w] plane dst with the sums of its kh·kw rows of columns (the adjoint of
/// descent_im2col_plane_f32); each element receives its terms in kernel-offset order.
void descent_col2im_plane_f32(const float *cols, float *dst, long rowStride, long h, long w,
                              long kh, long kw, long sh, long sw, long ph, long pw, long dh,
                              long dw, long outH, long outW);

#endif
