import Foundation

/// Half a cosine from `initial` down to `minimum` over `decaySteps` steps, then `minimum`:
///
///     value(t) = minimum + (initial − minimum) · (1 + cos(π · min(t, T) / T)) / 2,   T = decaySteps
///
/// PyTorch: `CosineAnnealingLR(optimizer, T_max: decaySteps, eta_min: minimum)` for `t ≤ T`
/// (PyTorch computes it recursively; the closed form agrees to rounding). Deviation: past `T`,
/// PyTorch's recursion climbs back up the cosine; this schedule stays at `minimum`, as Optax's
/// `cosine_decay_schedule` does. Use ``CosineDecayWithRestarts`` for periodic schedules.
public struct CosineDecay: Schedule, Equatable, Codable {
  public let initial: Double
  public let decaySteps: Int
  public let minimum: Double

  /// - Precondition: `decaySteps ≥ 1`.
  public init(initial: Double, decaySteps: Int, minimum: Double = 0) {
    precondition(decaySteps >= 1, "CosineDecay: decaySteps must be at least 1, got \(decaySteps)")
    self.initial = initial
    self.decaySteps = decaySteps
    self.minimum = minimum
  }

  public func value(atStep step: Int) -> Double {
    let t = Double(min(max(step, 0), decaySteps))
    return minimum + (initial - minimum) * (1 + cos(Double.pi * t / Double(decaySteps))) / 2
  }
}

/// Cosine annealing with warm restarts (SGDR: Loshchilov & Hutter, "SGDR: Stochastic Gradient
/// Descent with Warm Restarts", ICLR 2017, arXiv:1608.03983). The first cycle lasts `period`
/// steps, each next one `periodMultiplier` times longer; within a cycle of length `Tᵢ`, at
/// position `t_cur`:
///
///     value = minimum + (initial − minimum) · (1 + cos(π · t_cur / Tᵢ)) / 2
///
/// PyTorch: `CosineAnnealingWarmRestarts(optimizer, T_0: period, T_mult: periodMultiplier,
/// eta_min: minimum)` stepped once per update.
public struct CosineDecayWithRestarts: Schedule, Equatable, Codable {
  public let initial: Double
  public let period: Int
  public let periodMultiplier: Int
  public let minimum: Double

  /// - Precondition: `period ≥ 1`, `periodMultiplier ≥ 1`.
  public init(initial: Double, period: Int, periodMultiplier: Int = 1, minimum: Double = 0) {
    precondition(period >= 1, "CosineDecayWithRestarts: period must be at least 1, got \(period)")
    precondition(
      periodMultiplier >= 1,
      "CosineDecayWithRestarts: periodMultiplier must be at least 1, got \(periodMultiplier)")
    self.initial = initial
    self.period = period
    self.periodMultiplier = periodMultiplier
    self.minimum = minimum
  }

  /// The position within the current cycle and the cycle's length at `step`.
  public func cyclePosition(atStep step: Int) -> (position: Int, length: Int) {
    var position = max(step, 0)
    var length = period
    if periodMultiplier == 1 { return (position % length, length) }
    while position >= length {
      position -= length
      length *= periodMultiplier
    }
    return (position, length)
  }

  public func value(atStep step: Int) -> Double {
    let (position, length) = cyclePosition(atStep: step)
    return minimum + (initial - minimum) * (1 + cos(Double.pi * Double(position) / Double(length)))
      / 2
  }
}
