/// The values a numeric hyperparameter accepts. One constraint gives the valid-values text of
/// `descent optimizers`, the docs table and `--set` errors, and the check of the initializers, so
/// an optimizer states its ranges once (in its ``HyperparameterDeclaration``s).
public enum HyperparameterConstraint: Sendable, Equatable {
  /// Any finite number.
  case finite
  /// A finite number ≥ 0.
  case nonNegative
  /// A finite number > 0.
  case positive
  /// 0 ≤ x < 1 (decay rates whose 1 would stop the average from moving).
  case unitInterval
  /// 0 ≤ x ≤ 1.
  case closedUnitInterval
  /// 0 < x < 1.
  case openUnitInterval
  /// A finite number ≥ the bound.
  case atLeast(Double)
  /// A finite number > the bound.
  case greaterThan(Double)
  /// A whole number ≥ the bound (and < 10⁹).
  case integer(atLeast: Int)
  /// Exactly one of the listed whole numbers.
  case oneOf([Int])
  /// A power of two within the range.
  case powerOfTwo(ClosedRange<Int>)
  /// `true` or `false` (a flag).
  case boolean
  /// One of these names (an enum's raw values).
  case choice([String])

  /// The short form shown in listings: `[0, 1)`, `≥ 0`, `integer ≥ 1`, `8|32`.
  public var text: String {
    switch self {
    case .finite: "finite"
    case .nonNegative: "≥ 0"
    case .positive: "> 0"
    case .unitInterval: "[0, 1)"
    case .closedUnitInterval: "[0, 1]"
    case .openUnitInterval: "(0, 1)"
    case .atLeast(let bound): "≥ \(Validate.format(bound))"
    case .greaterThan(let bound): "> \(Validate.format(bound))"
    case .integer(let bound): "integer ≥ \(bound)"
    case .oneOf(let values): values.map(String.init).joined(separator: "|")
    case .powerOfTwo(let range): "power of two, \(range.lowerBound)…\(range.upperBound)"
    case .boolean: "true|false"
    case .choice(let names): names.joined(separator: "|")
    }
  }

  /// The phrase after "must be" in an error: `in [0, 1)`, `a finite number ≥ 0`.
  public var requirement: String {
    switch self {
    case .finite: "a finite number"
    case .nonNegative: "a finite number ≥ 0"
    case .positive: "a finite number > 0"
    case .unitInterval: "in [0, 1)"
    case .closedUnitInterval: "in [0, 1]"
    case .openUnitInterval: "in (0, 1)"
    case .atLeast(let bound): "a finite number ≥ \(Validate.format(bound))"
    case .greaterThan(let bound): "a finite number > \(Validate.format(bound))"
    case .integer(let bound): "an integer ≥ \(bound)"
    case .oneOf(let values):
      values.count == 2
        ? "\(values[0]) or \(values[1])" : "one of " + values.map(String.init).joined(separator: ", ")
    case .powerOfTwo(let range):
      "a power of two from \(range.lowerBound) to \(range.upperBound)"
    case .boolean: "true or false"
    case .choice(let names): "one of " + names.joined(separator: ", ")
    }
  }

  /// Whether the number `x` satisfies the constraint (a flag's value is checked by its type).
  public func admits(_ x: Double) -> Bool {
    guard x.isFinite else { return false }
    switch self {
    case .finite, .boolean, .choice: return true
    case .nonNegative: return x >= 0
    case .positive: return x > 0
    case .unitInterval: return x >= 0 && x < 1
    case .closedUnitInterval: return x >= 0 && x <= 1
    case .openUnitInterval: return x > 0 && x < 1
    case .atLeast(let bound): return x >= bound
    case .greaterThan(let bound): return x > bound
    case .integer(let bound): return x == x.rounded() && x >= Double(bound) && x < 1e9
    case .oneOf(let values): return values.contains { Double($0) == x }
    case .powerOfTwo(let range):
      guard x == x.rounded(), x >= Double(range.lowerBound), x <= Double(range.upperBound) else {
        return false
      }
      let n = Int(x)
      return n > 0 && n & (n - 1) == 0
    }
  }

  /// Whether values are whole numbers (stored in an `Int` property).
  var isInteger: Bool {
    switch self {
    case .integer, .oneOf, .powerOfTwo: true
    default: false
    }
  }
}
