/// A Bregman divergence B_ψ(x, y) = ψ(x) − ψ(y) − ⟨∇ψ(y), x − y⟩ of a distance-generating
/// function ψ on a convex set X, with the mirror step it defines,
///
///     step(y, g, η) = argmin_{x∈X} η⟨g, x⟩ + B_ψ(x, y),
///
/// the building block of online mirror descent (Nemirovski and Yudin, 1983; Beck and Teboulle,
/// "Mirror descent and nonlinear projected subgradient methods for convex optimization",
/// Oper. Res. Lett. 2003). ψ is 1-strongly convex with respect to a norm ‖·‖; ``dualNorm(_:)``
/// is that norm's dual, in which step sizes measure gradients.
public protocol BregmanDivergence: Sendable {
  /// The dimension d of X.
  var dimension: Int { get }
  /// B_ψ(x, y) for x, y ∈ X (y in the interior of ψ's domain).
  func divergence(_ x: [Double], _ y: [Double]) -> Double
  /// argmin_{x∈X} η⟨g, x⟩ + B_ψ(x, y).
  func mirrorStep(from y: [Double], gradient g: [Double], stepSize η: Double) -> [Double]
  /// ‖g‖_*, the dual of the norm in which ψ is 1-strongly convex.
  func dualNorm(_ g: [Double]) -> Double
  /// The starting point x₁ = argmin_X ψ.
  var start: [Double] { get }
  /// The scale D of step sizes η = D/√(…): for the Euclidean case the diameter of X, for the
  /// entropic case √(2·max_x B_ψ(x, x₁)) = √(2 log d) (the Hedge scale). Nil when X is unbounded.
  var diameter: Double? { get }
  /// Whether `x` may start the mirror steps: in X (and, for the entropic divergence, strictly
  /// positive: a probability vector with entries in (0, 1] on the unit simplex).
  func admits(_ x: [Double]) -> Bool
  /// What ``admits(_:)`` requires, for error messages.
  var admissibleDescription: String { get }
}
