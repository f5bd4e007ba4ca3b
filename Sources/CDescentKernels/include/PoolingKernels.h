#ifndef DESCENT_POOLING_KERNELS_H
#define DESCENT_POOLING_KERNELS_H

/// Max pooling without padding over `planes` float32 planes [h, w]: for output (oh, ow) the window
/// reads rows oh·sh + ki·dh and columns ow·sw + kj·dw (all in range: floor mode, no padding), and
/// writes its largest value to values[p·outH·outW + oh·outW + ow] and that element's index in the
/// plane (ih·w + iw) to indices. Ties go to the first element in row-major window order; a NaN
/// wins (the first NaN), as in PyTorch.
void descent_maxpool_unpadded_f32(const float *x, float *values, int *indices, long planes,
                                  long h, long w, long kh, long kw, long sh, long sw, long dh,
                                  long dw, long outH, long outW);

#endif
