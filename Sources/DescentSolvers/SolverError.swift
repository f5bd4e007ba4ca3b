/// Errors a user can cause when setting up a solver, a convex set or an online learner. Each
/// message is one line that names the value at fault and what would be valid, in the style of
/// `OptimizerError`: `EuclideanBall: radius = -1 is invalid: must be a finite number > 0`.
public enum SolverError: Error, Equatable, CustomStringConvertible {
  /// A parameter outside its valid range.
  case invalidArgument(String)
  /// Vectors or matrices whose sizes do not fit together.
  case dimensionMismatch(String)

  public var description: String {
    switch self {
    case .invalidArgument(let message), .dimensionMismatch(let message): message
    }
  }
}

/// Validation helpers shared by the solvers' initializers.
enum Check {
  static func format(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
  }

  /// `value > 0` and finite.
  static func positive(_ value: Double, _ name: String, in owner: String) throws {
    guard value.isFinite, value > 0 else {
      throw SolverError.invalidArgument(
        "\(owner): \(name) = \(format(value)) is invalid: must be a finite number > 0")
    }
  }

  /// `value ≥ 0` and finite.
  static func nonNegative(_ value: Double, _ name: String, in owner: String) throws {
    guard value.isFinite, value >= 0 else {
      throw SolverError.invalidArgument(
        "\(owner): \(name) = \(format(value)) is invalid: must be a finite number ≥ 0")
    }
  }

  /// Every entry finite.
  static func finite(_ values: [Double], _ name: String, in owner: String) throws {
    if let index = values.firstIndex(where: { !$0.isFinite }) {
      throw SolverError.invalidArgument(
        "\(owner): \(name)[\(index)] = \(values[index]) is invalid: every entry must be finite")
    }
  }

  /// `vector.count == expected`.
  static func dimension(
    _ vector: [Double], _ expected: Int, _ name: String, in owner: String
  ) throws {
    guard vector.count == expected else {
      throw SolverError.dimensionMismatch(
        "\(owner): \(name) has \(vector.count) entries, expected \(expected)")
    }
  }
}
