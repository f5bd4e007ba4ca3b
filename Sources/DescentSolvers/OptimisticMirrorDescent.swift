/// Optimistic online mirror descent (OOMD) of Chen, Zhang, Tu, Zhao and Zhang, "Optimistic Online
/// Mirror Descent for Bridging Stochastic and Adversarial Online Convex Optimization" (ICML 2023,
/// arXiv:2302.04552; after Rakhlin and Sridharan, COLT 2013). No reference code exists (the paper
/// is theory); implemented from the equations. Each round t, with the divergence B_ψ on X:
///
///     1. xₜ   = argmin_{x∈X} ηₜ⟨Mₜ, x⟩ + B_ψ(x, x̂ₜ)          (predict with the hint Mₜ)
///     2. observe gₜ = ∇fₜ(xₜ)
///     3. x̂ₜ₊₁ = argmin_{x∈X} ηₜ⟨gₜ, x⟩ + B_ψ(x, x̂ₜ)          (update)
///     4. default next hint Mₜ₊₁ = gₜ
///
/// x̂₁ is the divergence's ``BregmanDivergence/start`` (argmin ψ on X) unless given. ηₜ follows
/// an ``OptimisticStepRule``: `.convex` (ηₜ = D/√(δ + Σ_{s<t}‖gₛ − Mₛ‖²_*), the paper's convex
/// rule), `.stronglyConvex(λ)` (2/(λt)) or `.constant`. For exp-concave losses use
/// ``OptimisticONS``. With a perfect hint Mₜ = gₜ on linear losses the regret is at most
/// D²/(2η) (a constant). Cost per round: two mirror steps (two projections for the Euclidean
/// divergence, O(d) for the entropic one).
public struct OptimisticMirrorDescent<Divergence: BregmanDivergence>: OnlineLearner {
  public let divergence: Divergence
  public let rule: OptimisticStepRule
  /// The D of the step rule, resolved at construction.
  public let diameter: Double
  /// x̂ₜ, the point the next round's steps start from.
  public private(set) var center: [Double]
  public private(set) var round = 0
  /// Σ_{s≤round}‖gₛ − Mₛ‖²_*, the accumulated hint error.
  public private(set) var accumulatedError = 0.0
  /// The last gradient gₜ (the default hint), nil before the first update.
  public private(set) var lastGradient: [Double]?
  var pending: (point: [Double], hint: [Double])?

  /// A learner on `divergence`'s set with step rule `rule`, from `start` (default: the
  /// divergence's start). Throws for invalid rule parameters, a convex rule without a diameter on
  /// an unbounded set, or a start of the wrong size or that the divergence does not admit
  /// (outside the set; for the entropic divergence, probabilities outside (0, 1]).
  public init(divergence: Divergence, rule: OptimisticStepRule, start: [Double]? = nil) throws {
    try rule.validate()
    self.divergence = divergence
    self.rule = rule
    if case .convex(let given, _) = rule {
      guard let d = given ?? divergence.diameter, d > 0 else {
        throw SolverError.invalidArgument(
          "OptimisticMirrorDescent: the set has no finite diameter > 0: pass .convex(diameter:) explicitly")
      }
      diameter = d
    } else {
      diameter = divergence.diameter ?? 1
    }
    if let start {
      try Check.dimension(start, divergence.dimension, "start", in: "OptimisticMirrorDescent")
      try Check.finite(start, "start", in: "OptimisticMirrorDescent")
      guard divergence.admits(start) else {
        throw SolverError.invalidArgument(
          "OptimisticMirrorDescent: start \(start) is invalid: \(divergence.admissibleDescription)")
      }
      center = start
    } else {
      center = divergence.start
    }
  }

  public var dimension: Int { divergence.dimension }

  /// ηₜ of the coming round.
  public var stepSize: Double {
    rule.stepSize(round: round + 1, accumulatedError: accumulatedError, diameter: diameter)
  }

  public mutating func predict(hint: [Double]?) throws -> [Double] {
    let m = hint ?? lastGradient ?? Array(repeating: 0, count: dimension)
    try Check.dimension(m, dimension, "hint", in: "OptimisticMirrorDescent")
    try Check.finite(m, "hint", in: "OptimisticMirrorDescent")
    let x = divergence.mirrorStep(from: center, gradient: m, stepSize: stepSize)
    pending = (x, m)
    return x
  }

  public mutating func update(gradient: [Double]) throws {
    try Check.dimension(gradient, dimension, "gradient", in: "OptimisticMirrorDescent")
    try Check.finite(gradient, "gradient", in: "OptimisticMirrorDescent")
    guard let (_, hint) = pending else {
      throw SolverError.invalidArgument(
        "OptimisticMirrorDescent: update(gradient:) in round \(round + 1) without predict(hint:): call predict first")
    }
    let eta = stepSize
    center = divergence.mirrorStep(from: center, gradient: gradient, stepSize: eta)
    accumulatedError += pow2(divergence.dualNorm((0..<dimension).map { gradient[$0] - hint[$0] }))
    lastGradient = gradient
    pending = nil
    round += 1
  }
}

@inline(__always) func pow2(_ x: Double) -> Double { x * x }
