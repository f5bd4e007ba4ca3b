/// The step-size rules of optimistic online mirror descent (Chen, Zhang, Tu, Zhao and Zhang,
/// "Optimistic Online Mirror Descent for Bridging Stochastic and Adversarial Online Convex
/// Optimization", ICML 2023, arXiv:2302.04552). ηₜ is fixed before round t and used by both of
/// the round's mirror steps.
public enum OptimisticStepRule: Sendable, Equatable {
  /// Convex losses: ηₜ = D/√(δ + Σ_{s<t}‖gₛ − Mₛ‖²_*), adaptive to the accumulated error of the
  /// hints; D nil takes the divergence's ``BregmanDivergence/diameter``. The paper's choice for
  /// the O(√σ²₁:T + √Σ²₁:T) bound. δ > 0 keeps η₁ = D/√δ finite (default 1, our choice; the paper
  /// leaves it to the analysis).
  case convex(diameter: Double? = nil, delta: Double = 1)
  /// λ-strongly convex losses: ηₜ = 2/(λt). The factor 2 is what the optimistic analysis needs
  /// (strong convexity at xₜ must pay for the divergence to x̂ₜ: ‖x̂ₜ − u‖² ≤ 2‖xₜ − u‖² +
  /// 2‖xₜ − x̂ₜ‖²); the regret is O((σ²max + Σ²max)·log T).
  case stronglyConvex(modulus: Double)
  /// ηₜ = η for every t (dynamic regret with a known path length, tests).
  case constant(Double)

  func validate() throws {
    switch self {
    case .convex(let diameter, let delta):
      if let diameter { try Check.positive(diameter, "diameter", in: "OptimisticStepRule.convex") }
      try Check.positive(delta, "delta", in: "OptimisticStepRule.convex")
    case .stronglyConvex(let modulus):
      try Check.positive(modulus, "modulus", in: "OptimisticStepRule.stronglyConvex")
    case .constant(let eta):
      try Check.positive(eta, "step size", in: "OptimisticStepRule.constant")
    }
  }

  /// ηₜ for round `t` (1-based) after hint errors Σ_{s<t}‖gₛ − Mₛ‖²_* = `accumulatedError`,
  /// with the diameter `diameter` (resolved by the learner).
  public func stepSize(round t: Int, accumulatedError: Double, diameter: Double) -> Double {
    switch self {
    case .convex(_, let delta): return diameter / (delta + accumulatedError).squareRoot()
    case .stronglyConvex(let modulus): return 2 / (modulus * Double(t))
    case .constant(let eta): return eta
    }
  }
}
