/// A proximable convex function h: ℝᵈ → ℝ ∪ {+∞} with its proximal map
///
///     prox_{ηh}(y) = argmin_x h(x) + ‖x − y‖₂² / (2η),    η > 0,
///
/// the building block of composite (proximal) stochastic gradient methods for F = f + h, where f
/// is handled by (sub)gradients and h by its prox: x_{t+1} = prox_{ηₜh}(xₜ − ηₜgₜ) (Liu and Zhou,
/// "Revisiting the Last-Iterate Convergence of Stochastic Gradient Methods", ICLR 2024,
/// arXiv:2312.08531, the Euclidean case of composite stochastic mirror descent). The optimality
/// condition of the prox, (y − p)/η ∈ ∂h(p) for p = prox_{ηh}(y), is what the tests check.
///
/// Conformers: ``L1Prox`` (soft thresholding), ``SquaredL2Prox``, ``GroupL2Prox`` (block soft
/// thresholding), ``IndicatorProx`` (projection onto a ``ConvexSet``: box, simplex, ball), and
/// ``SquaredL2Added`` (h + (μ/2)‖·‖² for any h).
public protocol Prox: Sendable {
  /// The dimension h is defined on, or nil when h is separable and applies to any length.
  var dimension: Int? { get }
  /// h(x); +∞ when h is an indicator and x lies outside its set.
  func value(_ x: [Double]) -> Double
  /// prox_{ηh}(y) for a step size η > 0 (a programmer error otherwise).
  func prox(_ y: [Double], stepSize η: Double) -> [Double]
}

extension Prox {
  /// h + (μ/2)‖·‖₂², with its prox from this one's (see ``SquaredL2Added``).
  public func addingSquaredL2(strength μ: Double) throws -> SquaredL2Added<Self> {
    try SquaredL2Added(self, strength: μ)
  }
}
