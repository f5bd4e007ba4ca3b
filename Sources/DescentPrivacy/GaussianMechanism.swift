import Descent

/// The Gaussian mechanism of DP-SGD: a sum whose ℓ₂ sensitivity is C (one example's clipped
/// gradient, ``PerExampleClipping``) is released as
///
///     sum + N(0, σ²C² I),
///
/// σ the noise multiplier (Dwork and Roth, "The Algorithmic Foundations of Differential
/// Privacy", 2014, section 3.5.3; as sampled per step, Abadi et al. 2016, Algorithm 1). Its
/// privacy over training is what ``RDPAccountant`` counts, with this σ and the batch sampling
/// rate q. As Opacus 1.6's `DPOptimizer` (`add_noise`, then `scale_grad` for a mean loss),
/// ``privateGradient(_:clipping:expectedBatchSize:key:)`` divides the noisy sum by the
/// *expected* batch size qN, not the drawn one (which would leak the batch size).
///
/// Noise is `Tensor.normal` (Box–Muller on Philox counters) drawn from a `RandomKey`: the same key
/// gives the same noise, bit for bit, in the sum's dtype (float32 noise has |z| ≤ 6.77, see
/// docs/random.md). Opacus draws from torch's generator instead, so values differ in the draw,
/// not in distribution.
public struct GaussianMechanism: Sendable, Equatable {
  /// σ: the noise's standard deviation over the sensitivity.
  public let noiseMultiplier: Double
  /// C: the ℓ₂ sensitivity of the released sum.
  public let sensitivity: Double

  /// The mechanism for σ and C, each finite and > 0.
  public init(noiseMultiplier: Double, sensitivity: Double) throws(PrivacyError) {
    guard PrivacyParameterRange.positive.admits(noiseMultiplier) else {
      throw .noiseMultiplier(noiseMultiplier)
    }
    guard PrivacyParameterRange.positive.admits(sensitivity) else {
      throw .clippingNorm(sensitivity)
    }
    self.noiseMultiplier = noiseMultiplier
    self.sensitivity = sensitivity
  }

  /// σC, the noise's standard deviation.
  public var standardDeviation: Double { noiseMultiplier * sensitivity }

  /// `sum` plus N(0, (σC)²) noise drawn with `key`, same shape and dtype.
  public func release(_ sum: Tensor, key: RandomKey) -> Tensor {
    sum + Tensor.normal(sum.shape, std: standardDeviation, dtype: sum.dtype, key: key)
  }

  /// One private gradient step's gradient from per-example gradients `[batch, parameters]`:
  /// clip each row to C (`clipping.norm`, which must be this mechanism's sensitivity), sum, add
  /// the noise, divide by `expectedBatchSize` (qN, finite, > 0): `[parameters]`.
  public func privateGradient(
    _ perExample: Tensor, clipping: PerExampleClipping, expectedBatchSize: Double, key: RandomKey
  ) throws(PrivacyError) -> Tensor {
    precondition(clipping.norm == sensitivity, "the noise is calibrated to the clipping norm")
    guard PrivacyParameterRange.positive.admits(expectedBatchSize) else {
      throw .expectedBatchSize(expectedBatchSize)
    }
    return release(try clipping.clippedSum(perExample), key: key) / expectedBatchSize
  }
}
