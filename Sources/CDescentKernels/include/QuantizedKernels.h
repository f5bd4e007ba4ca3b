#ifndef DESCENT_QUANTIZED_KERNELS_H
#define DESCENT_QUANTIZED_KERNELS_H

// Block-wise 8-bit quantization of float32 tensors (Dettmers et al., "8-bit Optimizers via
// Block-wise Quantization", ICLR 2022) and the 8-bit optimizer steps built on it.
//
// A tensor of n values is cut into contiguous blocks of `blockSize` values; the last block may be
// partial. Block b holds absmax[b] = max |x| over the block and one code per value: the index of
// the map entry nearest to x / absmax (bitsandbytes' default kernel: x · (1/absmax) for full
// blocks, x / absmax for the partial last block, absmax clamped below at 1e-38; ties go to the
// lower code). Dequantization is map[code] · absmax.
//
// The nearest code comes from `nearest`, a table with one 32-bit entry per bucket of floats that
// share their sign, exponent and top 7 mantissa bits. Magnitudes are first clamped to
// [2^(MIN−127), 2 − 2^−23] (DESCENT_Q8_MIN_EXPONENT = MIN), so tiny values, values ≥ 2 and NaN
// take the end buckets. An entry holds, in its high 16 bits, the number of midpoints below the
// bucket's lowest value and, in its low 16 bits, the key of the one midpoint inside the bucket
// (0xFFFF for none). A value's key is the low 16 bits of its clamped magnitude, inverted when
// negative, so that in every bucket a larger key means a larger value; the code is the count plus
// one when the value's key exceeds the midpoint's. The caller builds the table and checks that no
// bucket holds more than one midpoint and that no midpoint lies below 2^(MIN−127)
// (DynamicQuantizationMap).
//
// Every kernel works on blocks [blockBegin, blockEnd) only, so threads may split the blocks.

/// Quantizes x[0..<n] block by block into codes (n bytes) and absmax (one float per block).
void descent_quantize_blockwise_f32(const float *x, unsigned char *codes, float *absmax, long n,
                                    long blockSize, long blockBegin, long blockEnd,
                                    const unsigned int *nearest);

/// out[i] = map[codes[i]] · absmax[i / blockSize].
void descent_dequantize_blockwise_f32(const unsigned char *codes, const float *absmax, float *out,
                                      long n, long blockSize, long blockBegin, long blockEnd,
                                      const float *map);

/// Maps and nearest-code tables of one quantized state buffer.
typedef struct {
  unsigned char *codes;
  float *absmax;
  const float *map;
  const unsigned int *nearest;
} descent_quantized_state;

/// The lowest exponent field the nearest-code table distinguishes (2^(103−127) ≈ 6e−8, below
/// every midpoint of the dynamic maps: 1.6e−7 is the smallest).
#define DESCENT_Q8_MIN_EXPONENT 103
/// Mantissa bits of a bucket's key (the low bits compared against the bucket's midpoint).
#define DESCENT_Q8_KEY_BITS 16
#define DESCENT_Q8_KEY_MASK 0xFFFFu
/// Clamping bounds of magnitudes, as float bit patterns: 2^(MIN−127) and 2 − 2^−23.
#define DESCENT_Q8_MIN_MAGNITUDE_BITS ((unsigned int)DESCENT_Q8_MIN_EXPONENT << 23)
#define DESCENT_Q8_MAX_MAGNITUDE_BITS 0x3FFFFFFFu
/// Buckets per sign: 25 exponents × 128 mantissa prefixes.
#define DESCENT_Q8_BUCKETS_PER_SIGN ((127 - DESCENT_Q8_MIN_EXPONENT + 1) << (23 - DESCENT_Q8_KEY_BITS))

/// Adam (and AdamW) on 8-bit block-wise state, in place, one fused pass per block: m and v are
/// dequantized, updated as descent_adam_step_f32 updates them (g ← −g when maximize;
/// g ← g + wd·p when coupled; m ← m + w1·(g − m); v ← v·b2 + w2·g·g;
/// p ← p·decay + negStep·m / (√v / bc2 + eps)), and requantized with fresh block absmax.
/// The parameter update uses the unrounded new m and v (as bitsandbytes does). blockSize ≤ 4096.
void descent_adam8bit_step_f32(float *p, const float *g, descent_quantized_state m,
                               descent_quantized_state v, long n, long blockSize, long blockBegin,
                               long blockEnd, float w1, float b2, float w2, float bc2, float eps,
                               float negStep, float decay, int coupled, float wd, int maximize);

/// The optimizers with one state buffer that descent_one_state8bit_step_f32 runs.
enum {
  /// SGD with momentum, signed map: b ← g on the first step, else b·mu + keep·g;
  /// p ← p + negLR·(nesterov ? g + mu·b : b).
  DESCENT_Q8_SGD_MOMENTUM = 0,
  /// Adagrad, unsigned map: s ← s + g·g; p ← p + negLR·g / (√s + eps) (negLR: the decayed step).
  DESCENT_Q8_ADAGRAD = 1,
  /// RMSprop (plain), unsigned map: v ← v·mu + (keep·g)·g (mu = alpha, keep = 1 − alpha);
  /// p ← p + negLR·g / (√v + eps).
  DESCENT_Q8_RMSPROP = 2,
};

/// A one-state optimizer step on 8-bit block-wise state, in place, one fused pass per block
/// (dequantize, update, write p with the unrounded new state, requantize). g is negated first when
/// maximize, then g ← g + wd·p when decay. blockSize ≤ 4096.
void descent_one_state8bit_step_f32(int kind, float *p, const float *g, descent_quantized_state s,
                                    long n, long blockSize, long blockBegin, long blockEnd,
                                    float negLR, float mu, float keep, float eps, int firstStep,
                                    int nesterov, int decay, float wd, int maximize);

/// Turns the AVX-512 path of the 8-bit steps off (0) or back on (1, the default; it runs only on
/// x86-64-v4 CPUs). Both paths give bit-identical results; this exists so tests can compare them.
void descent_q8_set_avx512_enabled(int enabled);

#endif
