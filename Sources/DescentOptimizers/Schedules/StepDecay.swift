/// Multiplies the value by `gamma` every `stepSize` steps: `initial · gamma^⌊t / stepSize⌋`.
///
/// PyTorch: `torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma)` with `lr = initial`.
public struct StepDecay: Schedule, Equatable, Codable {
  public let initial: Double
  public let stepSize: Int
  public let gamma: Double

  /// - Precondition: `stepSize ≥ 1`, `gamma` finite.
  public init(initial: Double, stepSize: Int, gamma: Double = 0.1) {
    precondition(stepSize >= 1, "StepDecay: stepSize must be at least 1, got \(stepSize)")
    precondition(gamma.isFinite, "StepDecay: gamma must be finite, got \(gamma)")
    self.initial = initial
    self.stepSize = stepSize
    self.gamma = gamma
  }

  public func value(atStep step: Int) -> Double {
    initial * integerPower(gamma, max(step, 0) / stepSize)
  }
}

/// Multiplies the value by `gamma` at each milestone: `initial · gamma^(number of milestones ≤ t)`.
/// A milestone listed twice counts twice, as in PyTorch.
///
/// PyTorch: `torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma)`.
public struct MultiStepDecay: Schedule, Equatable, Codable {
  public let initial: Double
  /// Sorted ascending.
  public let milestones: [Int]
  public let gamma: Double

  /// - Precondition: milestones are non-negative; `gamma` finite.
  public init(initial: Double, milestones: [Int], gamma: Double = 0.1) {
    precondition(
      milestones.allSatisfy { $0 >= 0 }, "MultiStepDecay: milestones must be ≥ 0, got \(milestones)"
    )
    precondition(gamma.isFinite, "MultiStepDecay: gamma must be finite, got \(gamma)")
    self.initial = initial
    self.milestones = milestones.sorted()
    self.gamma = gamma
  }

  public func value(atStep step: Int) -> Double {
    initial * integerPower(gamma, milestones.count { $0 <= step })
  }
}

/// `initial · gamma^t`.
///
/// PyTorch: `torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma)`.
public struct ExponentialDecay: Schedule, Equatable, Codable {
  public let initial: Double
  public let gamma: Double

  /// - Precondition: `gamma > 0` and finite.
  public init(initial: Double, gamma: Double) {
    precondition(gamma > 0 && gamma.isFinite, "ExponentialDecay: gamma must be > 0, got \(gamma)")
    self.initial = initial
    self.gamma = gamma
  }

  public func value(atStep step: Int) -> Double { initial * integerPower(gamma, max(step, 0)) }
}
