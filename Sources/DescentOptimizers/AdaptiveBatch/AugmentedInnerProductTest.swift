/// AdAdaGrad's augmented inner-product test (official
/// `tests.py::inner_product_orthogonality_test`, `--test_type=ip+orth`): the larger of the
/// inner-product and orthogonality tests' batch sizes,
///
/// ```
/// b* = max(Varᵢ(⟨gᵢ, ḡ⟩) / (θ² ‖ḡ‖⁴),  Σⱼ Varᵢ(gᵢ − (⟨gᵢ, ḡ⟩/‖ḡ‖²) ḡ)ⱼ / (ν² ‖ḡ‖²))
/// ```
///
/// so that the step is a descent direction with high probability and does not drift sideways.
/// NaN when either part is NaN.
public struct AugmentedInnerProductTest: AdaptiveBatchRule {
  /// The inner-product test's constant θ.
  public let theta: Double
  /// The orthogonality test's constant ν.
  public let nu: Double

  public init(theta: Double, nu: Double) {
    validateTestConstant(theta, "theta", "AugmentedInnerProductTest")
    validateTestConstant(nu, "nu", "AugmentedInnerProductTest")
    self.theta = theta
    self.nu = nu
  }

  public var needsProjections: Bool { true }

  public func requiredBatchSize(_ statistics: BatchGradientStatistics) -> Double {
    let innerProduct = InnerProductTest(theta: theta).requiredBatchSize(statistics)
    let orthogonal = OrthogonalityTest(nu: nu).requiredBatchSize(statistics)
    if innerProduct.isNaN || orthogonal.isNaN { return .nan }
    return max(innerProduct, orthogonal)
  }
}
