#ifndef DESCENT_QUANTIZED_DIFFGRAD_KERNELS_H
#define DESCENT_QUANTIZED_DIFFGRAD_KERNELS_H

// 8-bit block-wise steps of diffGrad and AdaDelta, with the block layout, maps, nearest-code
// tables and rounding of QuantizedKernels.h. Like the other 8-bit steps, each is one fused pass
// per block: every state buffer is dequantized, updated as the 32-bit kernel updates it
// (OptimizerKernels.c), the parameter is written with the unrounded new state, and the state is
// requantized with fresh block absmax. Blocks [blockBegin, blockEnd) only, so threads may split
// the blocks; blockSize ≤ 4096. The gradient is negated first when maximize, then
// g ← g + wd·p when decay (coupled L2, as the 32-bit steps).

#include "QuantizedKernels.h"

/// diffGrad (descent_diffgrad_step_f32) on 8-bit m (signed map), v (unsigned map) and the previous
/// gradient (signed map): m ← m·b1 + w1·g; v ← v·b2 + w2·g·g; ξ ← 1 / (1 + e^(−|prev − g|));
/// prev ← g; p ← p + negStep·(m·ξ) / (√v + eps).
void descent_diffgrad8bit_step_f32(float *p, const float *g, descent_quantized_state m,
                                   descent_quantized_state v, descent_quantized_state previous,
                                   long n, long blockSize, long blockBegin, long blockEnd, float b1,
                                   float w1, float b2, float w2, float eps, float negStep,
                                   int decay, float wd, int maximize);

/// AdaDelta (descent_adadelta_step_f32) on 8-bit v and u (both unsigned maps):
/// v ← v·rho + w·g·g; Δ ← √(u + eps) / √(v + eps) · g; u ← u·rho + w·Δ·Δ; p ← p + negLR·Δ.
void descent_adadelta8bit_step_f32(float *p, const float *g, descent_quantized_state v,
                                   descent_quantized_state u, long n, long blockSize,
                                   long blockBegin, long blockEnd, float rho, float w, float eps,
                                   float negLR, int decay, float wd, int maximize);

#endif
