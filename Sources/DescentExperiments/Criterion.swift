import Foundation

/// One acceptance criterion of an experiment: what was measured, the paper's target for it, and
/// whether the measurement meets the target. A non-finite measurement never passes.
public struct Criterion: Sendable, Equatable, Codable {
  /// What is measured, in a few words ("diffGrad's final x on F1").
  public let name: String
  /// The measured number (NaN when the experiment could not measure it; JSON null then).
  public let measured: Double
  /// The target, as text ("≤ 0.01", "in [0.75, 1.1]").
  public let target: String
  public let passed: Bool

  public init(name: String, measured: Double, target: String, passed: Bool) {
    self.name = name
    self.measured = measured
    self.target = target
    self.passed = passed && measured.isFinite
  }

  /// Passes when `measured ≤ bound`.
  public static func atMost(_ name: String, _ measured: Double, _ bound: Double) -> Criterion {
    Criterion(name: name, measured: measured, target: "≤ \(format(bound))", passed: measured <= bound)
  }

  /// Passes when `measured ≥ bound`.
  public static func atLeast(_ name: String, _ measured: Double, _ bound: Double) -> Criterion {
    Criterion(name: name, measured: measured, target: "≥ \(format(bound))", passed: measured >= bound)
  }

  /// Passes when `lower ≤ measured ≤ upper`.
  public static func within(
    _ name: String, _ measured: Double, _ lower: Double, _ upper: Double
  ) -> Criterion {
    Criterion(
      name: name, measured: measured, target: "in [\(format(lower)), \(format(upper))]",
      passed: lower <= measured && measured <= upper)
  }

  /// A yes/no property, measured as 1 (holds) or 0.
  public static func holds(_ name: String, _ holds: Bool) -> Criterion {
    Criterion(name: name, measured: holds ? 1 : 0, target: "1 (holds)", passed: holds)
  }

  /// A number in the shortest form that shows it: up to 6 significant digits.
  public static func format(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return String(format: "%.6g", x)
  }

  private enum CodingKeys: String, CodingKey { case name, measured, target, passed }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    if measured.isFinite { try c.encode(measured, forKey: .measured) } else {
      try c.encodeNil(forKey: .measured)
    }
    try c.encode(target, forKey: .target)
    try c.encode(passed, forKey: .passed)
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    measured = try c.decodeIfPresent(Double.self, forKey: .measured) ?? .nan
    target = try c.decode(String.self, forKey: .target)
    passed = try c.decode(Bool.self, forKey: .passed) && measured.isFinite
  }
}
