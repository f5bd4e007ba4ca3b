/// Errors a user can cause when configuring or restoring an optimizer. Each message is one line
/// that names the value at fault and what would be valid.
public enum OptimizerError: Error, Equatable, CustomStringConvertible {
  /// A hyperparameter outside its valid range, e.g. `beta1 = 1.5: must be in [0, 1)`.
  case invalidHyperparameter(String)
  /// An optimizer name the catalogue does not know (with a did-you-mean suggestion).
  case unknownOptimizer(String)
  /// A `--set` key that the chosen optimizer does not have.
  case unknownHyperparameter(String)
  /// A saved state that does not fit the optimizer or the parameters.
  case incompatibleState(String)

  public var description: String {
    switch self {
    case .invalidHyperparameter(let message), .unknownOptimizer(let message),
      .unknownHyperparameter(let message), .incompatibleState(let message):
      message
    }
  }
}

/// Validation helpers shared by the optimizers' initializers.
enum Validate {
  static func format(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
  }

  /// `value ≥ 0` (and finite).
  static func nonNegative(_ value: Double, _ name: String, in optimizer: String) throws {
    guard value.isFinite, value >= 0 else {
      throw OptimizerError.invalidHyperparameter(
        "\(optimizer): \(name) = \(format(value)) is invalid: must be a finite number ≥ 0")
    }
  }

  /// `0 ≤ value < 1`.
  static func unitInterval(_ value: Double, _ name: String, in optimizer: String) throws {
    guard value >= 0, value < 1 else {
      throw OptimizerError.invalidHyperparameter(
        "\(optimizer): \(name) = \(format(value)) is invalid: must be in [0, 1)")
    }
  }

  /// `0 ≤ value ≤ 1`.
  static func closedUnitInterval(_ value: Double, _ name: String, in optimizer: String) throws {
    guard value >= 0, value <= 1 else {
      throw OptimizerError.invalidHyperparameter(
        "\(optimizer): \(name) = \(format(value)) is invalid: must be in [0, 1]")
    }
  }

  /// A count of at least 1 (steps between estimates, samples, stored gradients).
  static func atLeastOne(_ value: Int, _ name: String, in optimizer: String) throws {
    guard value >= 1 else {
      throw OptimizerError.invalidHyperparameter(
        "\(optimizer): \(name)=\(value) is invalid: must be at least 1")
    }
  }

  /// A learning rate: non-negative when constant; a schedule is checked at its first step.
  static func learningRate(_ value: Hyperparameter, in optimizer: String) throws {
    try nonNegative(value.value(atStep: 0), "learningRate", in: optimizer)
  }

  static func check(_ condition: Bool, in optimizer: String, _ message: @autoclosure () -> String)
    throws
  {
    guard condition else {
      throw OptimizerError.invalidHyperparameter("\(optimizer): \(message())")
    }
  }
}
