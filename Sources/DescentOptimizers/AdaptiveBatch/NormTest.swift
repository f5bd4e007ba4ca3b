/// AdAdaGrad's norm test (official `tests.py::norm_test`): grow the batch until the batch
/// gradient's variance is at most `η²` times its squared norm,
///
/// ```
/// b* = Σⱼ Varᵢ(g_ij) / (η² ‖ḡ‖²)        (unbiased variance over the b examples)
/// ```
///
/// the sample form of `E‖ḡ − ∇F‖² ≤ η² ‖∇F‖²` with `Var(ḡ) = Var(gᵢ)/b`. Small `η` asks for
/// large batches early; the paper's runs use η = 0.1 (MNIST) to 0.5 (CIFAR-10).
public struct NormTest: AdaptiveBatchRule {
  /// The test's constant η.
  public let eta: Double

  public init(eta: Double) {
    validateTestConstant(eta, "eta", "NormTest")
    self.eta = eta
  }

  public var needsProjections: Bool { false }

  public func requiredBatchSize(_ statistics: BatchGradientStatistics) -> Double {
    statistics.varianceSum / (eta * eta * statistics.meanGradientSquaredNorm)
  }
}
