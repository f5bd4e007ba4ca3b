/// AdAdaGrad's orthogonality test (official `tests.py::orthogonality_test`, after Bollapragada,
/// Byrd & Nocedal 2018): control the variance of the per-example gradients' parts orthogonal to
/// the batch gradient,
///
/// ```
/// b* = Σⱼ Varᵢ(gᵢ − (⟨gᵢ, ḡ⟩/‖ḡ‖²) ḡ)ⱼ / (ν² ‖ḡ‖²)
/// ```
///
/// With blocks (``BatchGradientStatistics``) each block is projected onto its own part of ḡ, as
/// the official code does per parameter tensor.
public struct OrthogonalityTest: AdaptiveBatchRule {
  /// The test's constant ν.
  public let nu: Double

  public init(nu: Double) {
    validateTestConstant(nu, "nu", "OrthogonalityTest")
    self.nu = nu
  }

  public var needsProjections: Bool { true }

  public func requiredBatchSize(_ statistics: BatchGradientStatistics) -> Double {
    let (_, orthogonal) = requireProjections(statistics, "OrthogonalityTest")
    return orthogonal / (nu * nu * statistics.meanGradientSquaredNorm)
  }
}
