/// A privacy parameter outside its valid range, or a budget no noise level can meet. Each case
/// prints as one line naming the value and what is valid (the command line adds its flag).
public enum PrivacyError: Error, Equatable, Sendable, CustomStringConvertible {
  /// σ must be finite and > 0.
  case noiseMultiplier(Double)
  /// q must be in (0, 1].
  case sampleRate(Double)
  /// δ must be in (0, 1).
  case delta(Double)
  /// A phase must have at least one step.
  case steps(Int)
  /// A target ε must be finite and > 0.
  case targetEpsilon(Double)
  /// An RDP order must be finite and > 1.
  case order(Double)
  /// An empty list of orders.
  case noOrders
  /// A clipping norm C must be finite and > 0.
  case clippingNorm(Double)
  /// Per-example gradients must be a `[batch, parameters]` float matrix.
  case perExampleGradients(shape: [Int])
  /// An expected batch size must be finite and > 0.
  case expectedBatchSize(Double)
  /// `target` ε is not reached even with σ = `largestNoise` (Opacus' MAX_SIGMA).
  case budgetTooSmall(target: Double, largestNoise: Double)

  public var description: String {
    switch self {
    case .noiseMultiplier(let x):
      "noise multiplier \(x): must be \(PrivacyParameterRange.positive.requirement)"
    case .sampleRate(let x):
      "sample rate \(x): must be \(PrivacyParameterRange.sampleRate.requirement)"
    case .delta(let x):
      "delta \(x): must be \(PrivacyParameterRange.delta.requirement)"
    case .steps(let n):
      "steps \(n): must be a whole number ≥ 1"
    case .targetEpsilon(let x):
      "target epsilon \(x): must be \(PrivacyParameterRange.positive.requirement)"
    case .order(let x):
      "RDP order \(x): must be a finite number > 1"
    case .noOrders:
      "no RDP orders: give at least one order > 1"
    case .clippingNorm(let x):
      "clipping norm \(x): must be \(PrivacyParameterRange.positive.requirement)"
    case .perExampleGradients(let shape):
      "per-example gradients of shape \(shape): must be a [batch, parameters] matrix "
        + "(one flat float gradient per row)"
    case .expectedBatchSize(let x):
      "expected batch size \(x): must be \(PrivacyParameterRange.positive.requirement)"
    case .budgetTooSmall(let target, let largestNoise):
      "target epsilon \(target) is not reached even with noise multiplier \(largestNoise): "
        + "allow a larger epsilon or delta, fewer steps or a smaller sample rate"
    }
  }
}
