/// φ + (μ/2)‖·‖₂² for any proximable φ, with the exact prox (Parikh and Boyd, "Proximal
/// Algorithms", Found. Trends Optim. 2014, §2.2):
///
///     prox_{η(φ + μ/2‖·‖²)}(y) = prox_{η′φ}(y / (1 + ημ)),    η′ = η / (1 + ημ).
///
/// With φ = λ‖·‖₁ this is the elastic-net prox. It is how the strongly convex experiment of Liu
/// and Zhou (arXiv:2312.08531) puts (μ/2)‖x‖² into the composite part h, so that h carries the
/// strong convexity the 1/(μt) steps need.
public struct SquaredL2Added<Base: Prox>: Prox {
  public let base: Base
  /// μ ≥ 0.
  public let strength: Double

  /// `base` + (μ/2)‖·‖². Throws unless μ is finite and ≥ 0.
  public init(_ base: Base, strength: Double) throws {
    try Check.nonNegative(strength, "strength", in: "SquaredL2Added")
    self.base = base
    self.strength = strength
  }

  public var dimension: Int? { base.dimension }

  public func value(_ x: [Double]) -> Double {
    base.value(x) + 0.5 * strength * x.reduce(0) { $0 + $1 * $1 }
  }

  public func prox(_ y: [Double], stepSize η: Double) -> [Double] {
    precondition(η > 0, "SquaredL2Added.prox: step size \(η) must be > 0")
    let scale = 1 / (1 + η * strength)
    return base.prox(y.map { $0 * scale }, stepSize: η * scale)
  }
}
