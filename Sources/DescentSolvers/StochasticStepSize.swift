import DescentOptimizers

/// The step-size schedules of the last-iterate analysis of Liu and Zhou, "Revisiting the
/// Last-Iterate Convergence of Stochastic Gradient Methods" (ICLR 2024, arXiv:2312.08531), for
/// step t = 1, 2, …:
///
/// | case | ηₜ | for | last-iterate rate |
/// | --- | --- | --- | --- |
/// | `.fixedHorizon(η, horizon: T)` | η/√T | G-Lipschitz convex, T known | Õ(1/√T) |
/// | `.anytime(η)` | η/√t | G-Lipschitz convex, T unknown | Õ(1/√T) |
/// | `.stronglyConvex(modulus: μ)` | 1/(μt) | μ-strongly convex F | Õ(1/T) |
///
/// A ``Schedule`` of DescentOptimizers: `value(atStep: s)` is η at the 0-based step s, that is
/// ηₜ with t = s + 1. For `.fixedHorizon` the value stays η/√T after step T (the schedule does
/// not end a run). The theory's η is D/G (D = ‖x₁ − x*‖, G² ≥ E‖gₜ‖²) for both convex cases.
public enum StochasticStepSize: Schedule, Equatable {
  case fixedHorizon(Double, horizon: Int)
  case anytime(Double)
  case stronglyConvex(modulus: Double)

  /// Throws a one-line error for η or μ not finite and > 0, or a horizon < 1.
  public func validate() throws {
    switch self {
    case .fixedHorizon(let η, let horizon):
      try Check.positive(η, "step size", in: "StochasticStepSize.fixedHorizon")
      guard horizon >= 1 else {
        throw SolverError.invalidArgument(
          "StochasticStepSize.fixedHorizon: horizon = \(horizon) is invalid: must be an integer ≥ 1"
        )
      }
    case .anytime(let η): try Check.positive(η, "step size", in: "StochasticStepSize.anytime")
    case .stronglyConvex(let μ):
      try Check.positive(μ, "modulus", in: "StochasticStepSize.stronglyConvex")
    }
  }

  /// ηₜ for the 1-based step t ≥ 1.
  public func stepSize(at t: Int) -> Double {
    precondition(t >= 1, "StochasticStepSize: step \(t) must be ≥ 1")
    switch self {
    case .fixedHorizon(let η, let horizon): return η / Double(horizon).squareRoot()
    case .anytime(let η): return η / Double(t).squareRoot()
    case .stronglyConvex(let μ): return 1 / (μ * Double(t))
    }
  }

  public func value(atStep step: Int) -> Double { stepSize(at: step + 1) }
}
