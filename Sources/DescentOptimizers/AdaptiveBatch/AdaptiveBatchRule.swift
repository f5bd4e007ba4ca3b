/// A rule that grows the batch size from the statistics of the current batch's per-example
/// gradients: the adaptive sampling tests of AdAdaGrad (Lau, Liu & Kolar, "AdAdaGrad: Adaptive
/// Batch Size Schemes for Adaptive Gradient Methods", 2024, arXiv:2402.11215), after Byrd et al.
/// (2012) and Bollapragada et al. (2018).
///
/// A test asks for the batch size `b*` at which the batch gradient's variance would be small
/// against its norm (``requiredBatchSize(_:)``); the next batch is
///
/// ```
/// b_{k+1} = min(b_max, max(b_k, ⌈b*⌉))
/// ```
///
/// (``nextBatchSize(current:statistics:maximum:)``): it never shrinks, and it is clamped to the
/// maximum (the data set, or memory), as the official `main.py` does after `tests.py` returns.
///
/// Conformers: ``NormTest``, ``InnerProductTest``, ``OrthogonalityTest``,
/// ``AugmentedInnerProductTest``. The paper's coordinate-wise test for AdaGrad is not in the
/// official code and not here.
public protocol AdaptiveBatchRule: Sendable {
  /// Whether the rule reads ``BatchGradientStatistics/innerProductVariance`` or
  /// ``BatchGradientStatistics/orthogonalVarianceSum`` (the second pass of
  /// ``BatchGradientAccumulator``).
  var needsProjections: Bool { get }

  /// The batch size `b*` the test asks for, before rounding up and clamping. +∞ when the batch
  /// gradient is zero and the variance is not; NaN when both are zero.
  func requiredBatchSize(_ statistics: BatchGradientStatistics) -> Double
}

extension AdaptiveBatchRule {
  /// `min(maximum, max(current, ⌈b*⌉))`; `current` when `b*` is NaN (a zero gradient with zero
  /// variance gives no evidence either way).
  public func nextBatchSize(current: Int, statistics: BatchGradientStatistics, maximum: Int)
    -> Int
  {
    precondition(
      current >= 1 && current <= maximum,
      "AdaptiveBatchRule: current batch \(current) must be in 1...\(maximum)")
    let required = requiredBatchSize(statistics)
    if required.isNaN { return current }
    if required >= Double(maximum) { return maximum }
    return max(current, Int(required.rounded(.up)))
  }
}

func requireProjections(_ statistics: BatchGradientStatistics, _ rule: String) -> (
  innerProducts: Double, orthogonal: Double
) {
  guard let innerProducts = statistics.innerProductVariance,
    let orthogonal = statistics.orthogonalVarianceSum
  else {
    preconditionFailure(
      "\(rule): the statistics have no projections (run BatchGradientAccumulator's second pass)")
  }
  return (innerProducts, orthogonal)
}

func validateTestConstant(_ value: Double, _ name: String, _ rule: String) {
  precondition(
    value > 0 && value.isFinite, "\(rule): \(name) must be positive and finite, got \(value)")
}
