import DescentOptimizers

/// Stochastic mirror descent on a convex set X with a mirror map ψ (a ``BregmanDivergence``),
/// composite stochastic mirror descent of Liu and Zhou, "Revisiting the Last-Iterate
/// Convergence of Stochastic Gradient Methods" (ICLR 2024, arXiv:2312.08531) with h = 0:
///
///     x_{t+1} = argmin_{x∈X} ⟨gₜ, x⟩ + B_ψ(x, xₜ)/ηₜ = divergence.mirrorStep(xₜ, gₜ, ηₜ).
///
/// With ``EuclideanDivergence`` this is projected SGD; with ``EntropicDivergence`` on the simplex
/// it is exponentiated gradient (a composite h = λ‖x‖₁ is constant on the simplex, so it changes
/// nothing there). The paper's bounds are for the last iterate x_{T+1} (``point``), with ηₜ from a
/// ``StochasticStepSize`` and G measured in the divergence's dual norm. For h ≠ 0 on ℝᵈ use
/// ``ProximalSGD``.
public struct MirrorSGD<Divergence: BregmanDivergence>: Sendable {
  public let divergence: Divergence
  public let schedule: any Schedule
  /// xₜ: the current (last) iterate.
  public private(set) var point: [Double]
  /// Finished steps; the next step is t = steps + 1.
  public private(set) var steps = 0

  /// Starts at `start` (default: the divergence's start, argmin_X ψ). Throws for a start of the
  /// wrong size or that the divergence does not admit, or an invalid ``StochasticStepSize``.
  public init(divergence: Divergence, schedule: any Schedule, start: [Double]? = nil) throws {
    try (schedule as? StochasticStepSize)?.validate()
    if let start {
      try Check.dimension(start, divergence.dimension, "start", in: "MirrorSGD")
      try Check.finite(start, "start", in: "MirrorSGD")
      guard divergence.admits(start) else {
        throw SolverError.invalidArgument(
          "MirrorSGD: start \(start) is invalid: \(divergence.admissibleDescription)")
      }
    }
    self.divergence = divergence
    self.schedule = schedule
    self.point = start ?? divergence.start
  }

  public var dimension: Int { divergence.dimension }

  /// ηₜ of the coming step.
  public var stepSize: Double { schedule.value(atStep: steps) }

  /// One step with the stochastic gradient gₜ at ``point``. Throws for a gradient of the wrong
  /// length or with a non-finite entry, or a step size that is not finite and > 0.
  public mutating func step(gradient: [Double]) throws {
    try Check.dimension(gradient, dimension, "gradient", in: "MirrorSGD")
    try Check.finite(gradient, "gradient", in: "MirrorSGD")
    let η = stepSize
    try Check.positive(η, "step size at step \(steps + 1)", in: "MirrorSGD")
    point = divergence.mirrorStep(from: point, gradient: gradient, stepSize: η)
    steps += 1
  }
}
