/// AdAdaGrad's inner-product test (official `tests.py::inner_product_test`, after Bollapragada,
/// Byrd & Nocedal 2018): control only the variance of the batch gradient along itself,
///
/// ```
/// b* = Varᵢ(⟨gᵢ, ḡ⟩) / (θ² ‖ḡ‖⁴)
/// ```
///
/// which asks for smaller batches than the norm test when the noise is mostly orthogonal to ḡ.
/// With blocks (``BatchGradientStatistics``) the numerator is the official per-tensor sum.
public struct InnerProductTest: AdaptiveBatchRule {
  /// The test's constant θ.
  public let theta: Double

  public init(theta: Double) {
    validateTestConstant(theta, "theta", "InnerProductTest")
    self.theta = theta
  }

  public var needsProjections: Bool { true }

  public func requiredBatchSize(_ statistics: BatchGradientStatistics) -> Double {
    let (innerProducts, _) = requireProjections(statistics, "InnerProductTest")
    let norm = statistics.meanGradientSquaredNorm
    return innerProducts / (theta * theta * norm * norm)
  }
}
