/// h(x) = (μ/2)‖x‖₂² (ridge, weight decay), whose prox is a shrinkage:
///
///     prox_{ηh}(y) = y / (1 + ημ).
///
/// Separable, any length. It makes F = f + h μ-strongly convex, the setting of the 1/(μt) step
/// sizes and the Õ(1/T) last-iterate rate of Liu and Zhou (arXiv:2312.08531). O(d).
public struct SquaredL2Prox: Prox {
  /// μ ≥ 0.
  public let strength: Double

  /// (μ/2)‖·‖². Throws unless μ is finite and ≥ 0.
  public init(strength: Double) throws {
    try Check.nonNegative(strength, "strength", in: "SquaredL2Prox")
    self.strength = strength
  }

  public var dimension: Int? { nil }

  public func value(_ x: [Double]) -> Double { 0.5 * strength * x.reduce(0) { $0 + $1 * $1 } }

  public func prox(_ y: [Double], stepSize η: Double) -> [Double] {
    precondition(η > 0, "SquaredL2Prox.prox: step size \(η) must be > 0")
    let scale = 1 / (1 + η * strength)
    return y.map { $0 * scale }
  }
}
