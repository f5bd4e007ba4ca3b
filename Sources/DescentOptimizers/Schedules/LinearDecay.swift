import Foundation

/// A straight line from `initial` to `final` over `steps` steps, then `final`:
/// `initial + (final − initial) · min(t, steps) / steps`.
///
/// With `final = 0` this is the linear decay that Defazio et al. ("When, Why and How Much?",
/// arXiv:2310.07831) show to be worst-case optimal for the last iterate.
/// PyTorch: `LinearLR(optimizer, start_factor: 1, end_factor: final / initial, total_iters: steps)`
/// (computed there recursively; the values agree to rounding). Optax: `linear_schedule`.
public struct LinearDecay: Schedule, Equatable, Codable {
  public let initial: Double
  public let final: Double
  public let steps: Int

  /// - Precondition: `steps ≥ 1`.
  public init(initial: Double, final: Double = 0, steps: Int) {
    precondition(steps >= 1, "LinearDecay: steps must be at least 1, got \(steps)")
    self.initial = initial
    self.final = final
    self.steps = steps
  }

  public func value(atStep step: Int) -> Double {
    let t = Double(min(max(step, 0), steps))
    return initial + (final - initial) * t / Double(steps)
  }
}

/// `(initial − final) · (1 − min(t, steps) / steps)^power + final`.
///
/// PyTorch: `PolynomialLR(optimizer, total_iters: steps, power:)` (which decays to 0, so
/// `final = 0`). Optax: `polynomial_schedule(init_value, end_value, power, transition_steps)`.
public struct PolynomialDecay: Schedule, Equatable, Codable {
  public let initial: Double
  public let final: Double
  public let steps: Int
  public let power: Double

  /// - Precondition: `steps ≥ 1`, `power > 0`.
  public init(initial: Double, final: Double = 0, steps: Int, power: Double = 1) {
    precondition(steps >= 1, "PolynomialDecay: steps must be at least 1, got \(steps)")
    precondition(power > 0 && power.isFinite, "PolynomialDecay: power must be > 0, got \(power)")
    self.initial = initial
    self.final = final
    self.steps = steps
    self.power = power
  }

  public func value(atStep step: Int) -> Double {
    let t = Double(min(max(step, 0), steps))
    return (initial - final) * pow(1 - t / Double(steps), power) + final
  }
}
