import Descent

/// The sample statistics of a batch's per-example gradients `g₁ … g_b` that the adaptive
/// batch-size tests of AdAdaGrad read (Lau, Liu & Kolar, "AdAdaGrad: Adaptive Batch Size Schemes
/// for Adaptive Gradient Methods", 2024, arXiv:2402.11215; official code `tests.py`), with the
/// batch gradient `ḡ = (1/b) Σᵢ gᵢ` and every variance unbiased (`correction=1`):
///
/// - ``varianceSum`` `Σⱼ Varᵢ(g_ij)` — the norm test's numerator;
/// - ``innerProductVariance`` `Σ_p Varᵢ(⟨gᵢ⁽ᵖ⁾, ḡ⁽ᵖ⁾⟩)` — the inner-product test's;
/// - ``orthogonalVarianceSum`` `Σ_p Σⱼ Varᵢ(gᵢ⁽ᵖ⁾ − ⟨gᵢ⁽ᵖ⁾, ḡ⁽ᵖ⁾⟩ ḡ⁽ᵖ⁾/‖ḡ⁽ᵖ⁾‖²)ⱼ` — the
///   orthogonality test's;
/// - ``meanGradientSquaredNorm`` `‖ḡ‖² = Σ_p ‖ḡ⁽ᵖ⁾‖²` — every test's denominator.
///
/// `p` runs over the *blocks* of the flat gradient. The official code computes the inner
/// products and projections per parameter tensor (`for per_sample_grad in
/// per_sample_grads.values()`) and sums the results, which drops the covariances between
/// tensors: pass the parameters' ranges in the flat vector as `blocks` for that form, or one block
/// (the default) for the paper's, where `⟨gᵢ, ḡ⟩` is over all parameters. The norm test's
/// statistics do not depend on the blocks. A block whose `ḡ⁽ᵖ⁾` is zero is not projected
/// (`gᵢ⁽ᵖ⁾` is its own orthogonal part; the official code divides by zero there).
///
/// Build one from a `[b, d]` matrix of per-example gradients with
/// ``init(perExampleGradients:blocks:)``, or stream micro-batches through a
/// ``BatchGradientAccumulator``.
public struct BatchGradientStatistics: Sendable, Equatable {
  /// The number of examples `b`.
  public let batchSize: Int
  /// The batch gradient `ḡ`, the mean of the per-example gradients (flat, float64).
  public let meanGradient: [Double]
  /// `Σⱼ Varᵢ(g_ij)`, unbiased.
  public let varianceSum: Double
  /// `Σ_p Varᵢ(⟨gᵢ⁽ᵖ⁾, ḡ⁽ᵖ⁾⟩)`, unbiased; nil when the projections were not measured.
  public let innerProductVariance: Double?
  /// `Σ_p Σⱼ Varᵢ(orthogonal part of gᵢ⁽ᵖ⁾)ⱼ`, unbiased; nil when the projections were not
  /// measured.
  public let orthogonalVarianceSum: Double?

  public init(
    batchSize: Int, meanGradient: [Double], varianceSum: Double, innerProductVariance: Double?,
    orthogonalVarianceSum: Double?
  ) {
    self.batchSize = batchSize
    self.meanGradient = meanGradient
    self.varianceSum = varianceSum
    self.innerProductVariance = innerProductVariance
    self.orthogonalVarianceSum = orthogonalVarianceSum
  }

  /// The statistics of the rows of `perExampleGradients` (`[b, d]`, b ≥ 2, any float dtype):
  /// two passes over the matrix, the second for the projections onto `ḡ`.
  public init(perExampleGradients: Tensor, blocks: [Range<Int>]? = nil) {
    precondition(
      perExampleGradients.rank == 2,
      "BatchGradientStatistics: per-example gradients must be [b, d], got "
        + "\(perExampleGradients.shape)")
    var accumulator = BatchGradientAccumulator(
      dimension: perExampleGradients.shape[1], blocks: blocks)
    accumulator.add(perExampleGradients)
    accumulator.finishMeans()
    accumulator.addProjections(perExampleGradients)
    self = accumulator.statistics()
  }

  /// `‖ḡ‖²`.
  public var meanGradientSquaredNorm: Double { meanGradient.reduce(0) { $0 + $1 * $1 } }
}
