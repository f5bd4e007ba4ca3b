/// A value that depends on the step: a learning-rate schedule, or any scheduled hyperparameter.
///
/// `value(atStep:)` takes the 0-based index of the step about to be taken (so step 0 is the first
/// update, as in Optax and in PyTorch's `LRScheduler` before its first `step()` call).
public protocol Schedule: Sendable {
  func value(atStep step: Int) -> Double
}

/// The same value at every step.
public struct ConstantSchedule: Schedule, Equatable {
  public let value: Double
  public init(_ value: Double) { self.value = value }
  public func value(atStep step: Int) -> Double { value }
}

/// A hyperparameter that is either a constant or follows a schedule. A float literal is a constant.
public struct Hyperparameter: Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
  public let schedule: any Schedule

  public init(_ schedule: any Schedule) { self.schedule = schedule }
  public init(_ value: Double) { schedule = ConstantSchedule(value) }
  public init(floatLiteral value: Double) { self.init(value) }
  public init(integerLiteral value: Int) { self.init(Double(value)) }

  /// The value at the 0-based step `step`.
  public func value(atStep step: Int) -> Double { schedule.value(atStep: step) }

  /// The constant value, or `nil` when scheduled.
  public var constantValue: Double? { (schedule as? ConstantSchedule)?.value }
}
