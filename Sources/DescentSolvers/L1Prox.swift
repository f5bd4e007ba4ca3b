/// h(x) = λ‖x‖₁, whose prox is soft thresholding (Donoho, "De-noising by soft-thresholding",
/// IEEE Trans. Inf. Theory 1995):
///
///     prox_{ηh}(y)ᵢ = sign(yᵢ)·max(|yᵢ| − ηλ, 0).
///
/// Separable, so it applies to vectors of any length. Used by the composite SGD of Liu and Zhou
/// (arXiv:2312.08531) for F = f + λ‖x‖₁. O(d).
public struct L1Prox: Prox {
  /// λ ≥ 0.
  public let strength: Double

  /// λ‖·‖₁. Throws unless λ is finite and ≥ 0.
  public init(strength: Double) throws {
    try Check.nonNegative(strength, "strength", in: "L1Prox")
    self.strength = strength
  }

  public var dimension: Int? { nil }

  public func value(_ x: [Double]) -> Double { strength * x.reduce(0) { $0 + abs($1) } }

  public func prox(_ y: [Double], stepSize η: Double) -> [Double] {
    precondition(η > 0, "L1Prox.prox: step size \(η) must be > 0")
    let threshold = η * strength
    return y.map { value in
      let magnitude = abs(value) - threshold
      return magnitude > 0 ? (value > 0 ? magnitude : -magnitude) : 0
    }
  }
}
