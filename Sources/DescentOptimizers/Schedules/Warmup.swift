/// A linear warmup in front of any schedule: for `t < linearSteps` the value rises in a straight
/// line from `initialValue` towards the schedule's first value `peak = then.value(atStep: 0)`,
///
///     value(t) = initialValue + (peak − initialValue) · t / linearSteps,
///
/// and from then on the schedule runs shifted: `value(t) = then.value(atStep: t − linearSteps)`.
///
/// PyTorch: `SequentialLR(optimizer, [LinearLR(start_factor: initialValue / peak, end_factor: 1,
/// total_iters: linearSteps), then], milestones: [linearSteps])`. Optax: `join_schedules` of a
/// `linear_schedule` and `then` (its `warmup_cosine_decay_schedule` starts from 0, the default).
public struct Warmup<Base: Schedule>: Schedule {
  public let linearSteps: Int
  public let initialValue: Double
  public let base: Base

  /// - Precondition: `linearSteps ≥ 0`.
  public init(linearSteps: Int, from initialValue: Double = 0, then base: Base) {
    precondition(linearSteps >= 0, "Warmup: linearSteps must be ≥ 0, got \(linearSteps)")
    self.linearSteps = linearSteps
    self.initialValue = initialValue
    self.base = base
  }

  public func value(atStep step: Int) -> Double {
    guard step < linearSteps else { return base.value(atStep: step - linearSteps) }
    let peak = base.value(atStep: 0)
    return initialValue + (peak - initialValue) * Double(max(step, 0)) / Double(linearSteps)
  }
}

extension Warmup: Equatable where Base: Equatable {}
extension Warmup: Codable where Base: Codable {}

extension Schedule {
  /// This schedule behind a linear warmup of `steps` steps from `initialValue` (see ``Warmup``).
  public func withWarmup(_ steps: Int, from initialValue: Double = 0) -> Warmup<Self> {
    Warmup(linearSteps: steps, from: initialValue, then: self)
  }
}
