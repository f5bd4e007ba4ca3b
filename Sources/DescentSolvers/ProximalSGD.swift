import DescentOptimizers

/// Composite (proximal) stochastic gradient descent for F = f + h on ℝᵈ, the Euclidean case of
/// composite stochastic mirror descent (CSMD) in Liu and Zhou, "Revisiting the Last-Iterate
/// Convergence of Stochastic Gradient Methods" (ICLR 2024, arXiv:2312.08531). No reference code
/// exists (the paper is theory); implemented from its update:
///
///     x_{t+1} = argmin_x h(x) + ⟨gₜ, x⟩ + ‖x − xₜ‖²/(2ηₜ) = prox_{ηₜh}(xₜ − ηₜgₜ),
///
/// gₜ a stochastic (sub)gradient of f at xₜ with E[gₜ] ∈ ∂f(xₜ), ηₜ from a schedule (usually a
/// ``StochasticStepSize``). The output of the paper's theorems is the last iterate x_{T+1}
/// (``point``); feed each iterate to an ``IterateTracker`` for averages. Constraints go into h
/// (an ``IndicatorProx``). For a non-Euclidean mirror map see ``MirrorSGD``. O(d) + the prox
/// per step.
public struct ProximalSGD<Regularizer: Prox>: Sendable {
  public let regularizer: Regularizer
  public let schedule: any Schedule
  /// xₜ: the current (last) iterate.
  public private(set) var point: [Double]
  /// Finished steps; the next step is t = steps + 1.
  public private(set) var steps = 0

  /// Starts at x₁ = `start`. Throws for an empty or non-finite start, a start whose length is
  /// not the regularizer's dimension, or an invalid ``StochasticStepSize``.
  public init(start: [Double], regularizer: Regularizer, schedule: any Schedule) throws {
    guard !start.isEmpty else {
      throw SolverError.invalidArgument("ProximalSGD: start is empty: needs ≥ 1 coordinate")
    }
    try Check.finite(start, "start", in: "ProximalSGD")
    if let d = regularizer.dimension { try Check.dimension(start, d, "start", in: "ProximalSGD") }
    try (schedule as? StochasticStepSize)?.validate()
    self.regularizer = regularizer
    self.schedule = schedule
    self.point = start
  }

  public var dimension: Int { point.count }

  /// ηₜ of the coming step.
  public var stepSize: Double { schedule.value(atStep: steps) }

  /// One step with the stochastic gradient gₜ at ``point``. Throws for a gradient of the wrong
  /// length or with a non-finite entry, or a step size that is not finite and > 0.
  public mutating func step(gradient: [Double]) throws {
    try Check.dimension(gradient, dimension, "gradient", in: "ProximalSGD")
    try Check.finite(gradient, "gradient", in: "ProximalSGD")
    let η = stepSize
    try Check.positive(η, "step size at step \(steps + 1)", in: "ProximalSGD")
    var moved = point
    for i in 0..<moved.count { moved[i] -= η * gradient[i] }
    point = regularizer.prox(moved, stepSize: η)
    steps += 1
  }
}
