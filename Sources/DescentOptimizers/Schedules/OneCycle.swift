import Foundation

/// The one-cycle policy (Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks
/// Using Large Learning Rates", 2017, arXiv:1708.07120), with PyTorch's `OneCycleLR` semantics:
///
/// - two phases (default): from `maximum / divFactor` up to `maximum` over the first
///   `percentStart · totalSteps − 1` steps, then down to `maximum / (divFactor · finalDivFactor)`
///   at step `totalSteps − 1`;
/// - three phases: up, back down to `maximum / divFactor` by step `2 · percentStart · totalSteps − 2`,
///   then down to the minimum.
///
/// Each phase anneals with `.cosine`, `end + (start − end)(1 + cos(π·p))/2`, or `.linear`, where
/// `p` is the fraction of the phase done. ``momentum(base:maximum:)`` gives PyTorch's companion
/// momentum cycle (high when the learning rate is low). Defaults are PyTorch's. Deviation: past
/// `totalSteps − 1` PyTorch raises; this schedule stays at its final value.
public struct OneCycle: Schedule, Equatable, Codable {
  public enum Annealing: String, Sendable, Codable { case cosine, linear }

  public let maximum: Double
  public let totalSteps: Int
  public let percentStart: Double
  public let annealing: Annealing
  public let divFactor: Double
  public let finalDivFactor: Double
  public let threePhase: Bool

  /// - Precondition: `totalSteps ≥ 2`, `0 < percentStart < 1`, factors > 0.
  public init(
    maximum: Double, totalSteps: Int, percentStart: Double = 0.3, annealing: Annealing = .cosine,
    divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false
  ) {
    precondition(totalSteps >= 2, "OneCycle: totalSteps must be at least 2, got \(totalSteps)")
    precondition(
      percentStart > 0 && percentStart < 1,
      "OneCycle: percentStart must be in (0, 1), got \(percentStart)")
    precondition(divFactor > 0, "OneCycle: divFactor must be > 0, got \(divFactor)")
    precondition(finalDivFactor > 0, "OneCycle: finalDivFactor must be > 0, got \(finalDivFactor)")
    self.maximum = maximum
    self.totalSteps = totalSteps
    self.percentStart = percentStart
    self.annealing = annealing
    self.divFactor = divFactor
    self.finalDivFactor = finalDivFactor
    self.threePhase = threePhase
  }

  /// Phase end steps (as PyTorch computes them, in floating point) and the index of the value
  /// each phase starts from and ends at, in `[low, high, final]`.
  private var phases: [(end: Double, from: Int, to: Int)] {
    let total = Double(totalSteps)
    if threePhase {
      return [
        (percentStart * total - 1, 0, 1), (2 * percentStart * total - 2, 1, 0), (total - 1, 0, 2),
      ]
    }
    return [(percentStart * total - 1, 0, 1), (total - 1, 1, 2)]
  }

  private func anneal(_ start: Double, _ end: Double, _ fraction: Double) -> Double {
    switch annealing {
    case .cosine: return end + (start - end) / 2 * (cos(Double.pi * fraction) + 1)
    case .linear: return (end - start) * fraction + start
    }
  }

  private func cycle(_ levels: [Double], atStep step: Int) -> Double {
    let t = Double(min(max(step, 0), totalSteps - 1))
    var start = 0.0
    let phases = phases
    for (i, phase) in phases.enumerated() {
      if t <= phase.end || i == phases.count - 1 {
        let fraction = (t - start) / (phase.end - start)
        return anneal(levels[phase.from], levels[phase.to], fraction)
      }
      start = phase.end
    }
    return levels[2]
  }

  public func value(atStep step: Int) -> Double {
    let low = maximum / divFactor
    return cycle([low, maximum, low / finalDivFactor], atStep: step)
  }

  /// PyTorch's `cycle_momentum`: momentum (or Adam's β1) goes from `maximum` down to `base` while
  /// the learning rate rises, and back up while it falls.
  public func momentum(base: Double = 0.85, maximum: Double = 0.95) -> OneCycleMomentum {
    OneCycleMomentum(cycle: self, base: base, maximum: maximum)
  }

  fileprivate func momentumValue(base: Double, maximum: Double, atStep step: Int) -> Double {
    cycle([maximum, base, maximum], atStep: step)
  }
}

/// The momentum that accompanies a ``OneCycle`` learning rate (see ``OneCycle/momentum(base:maximum:)``).
public struct OneCycleMomentum: Schedule, Equatable, Codable {
  public let cycle: OneCycle
  public let base: Double
  public let maximum: Double

  public func value(atStep step: Int) -> Double {
    cycle.momentumValue(base: base, maximum: maximum, atStep: step)
  }
}
