/// Optimistic online Newton step (optimistic ONS), the exp-concave variant of optimistic online
/// mirror descent in Chen, Zhang, Tu, Zhao and Zhang, "Optimistic Online Mirror Descent for
/// Bridging Stochastic and Adversarial Online Convex Optimization" (ICML 2023,
/// arXiv:2302.04552), built on the ONS of Hazan, Agarwal and Kale (Mach. Learn. 2007). The
/// regularizer of round t is ψₜ(x) = ½‖x‖²_{Uₜ} with
///
///     Uₜ = δI + (β/2)·Σ_{s<t} gₛgₛᵀ,
///
/// and the round is xₜ = Π^{Uₜ}_X(x̂ₜ − Uₜ⁻¹Mₜ), then x̂ₜ₊₁ = Π^{Uₜ}_X(x̂ₜ − Uₜ⁻¹gₜ) (the
/// mirror steps argmin ⟨·, x⟩ + ½‖x − x̂ₜ‖²_{Uₜ}), with ``MahalanobisProjection``. The form of
/// Uₜ is the project digest's (marked recalled, not checked against the paper). For α-exp-concave
/// losses with ‖∇f‖ ≤ G on a set of diameter D, ONS takes β = ½·min(1/(4GD), α) and δ = 1/(β²D²);
/// the defaults here are β = 1, δ = 1. Cost per round O(d³) (eigendecomposition of Uₜ).
public struct OptimisticONS: OnlineLearner {
  public let set: any ConvexSet
  /// The curvature weight β > 0 and the initial regularization δ > 0.
  public let beta: Double
  public let delta: Double
  public private(set) var center: [Double]
  public private(set) var round = 0
  /// Uₜ (row-major d×d) of the coming round.
  public private(set) var matrix: [Double]
  public private(set) var lastGradient: [Double]?
  var pending: Bool = false
  var projection: MahalanobisProjection

  /// Optimistic ONS on `set`, from `start` (default: the projection of the origin).
  public init(set: any ConvexSet, beta: Double = 1, delta: Double = 1, start: [Double]? = nil) throws {
    try Check.positive(beta, "beta", in: "OptimisticONS")
    try Check.positive(delta, "delta", in: "OptimisticONS")
    let d = set.dimension
    self.set = set
    self.beta = beta
    self.delta = delta
    if let start {
      try Check.dimension(start, d, "start", in: "OptimisticONS")
      try Check.finite(start, "start", in: "OptimisticONS")
      guard set.contains(start, tolerance: 1e-9) else {
        throw SolverError.invalidArgument("OptimisticONS: start \(start) is not in the set")
      }
      center = start
    } else {
      center = set.project(Array(repeating: 0, count: d))
    }
    var identity = [Double](repeating: 0, count: d * d)
    for i in 0..<d { identity[i * d + i] = delta }
    matrix = identity
    projection = try MahalanobisProjection(metric: identity, dimension: d)
  }

  public var dimension: Int { self.set.dimension }

  func step(_ direction: [Double]) -> [Double] {
    let newton = projection.solve(direction)
    return projection.project((0..<dimension).map { center[$0] - newton[$0] }, onto: set)
  }

  public mutating func predict(hint: [Double]?) throws -> [Double] {
    let m = hint ?? lastGradient ?? Array(repeating: 0, count: dimension)
    try Check.dimension(m, dimension, "hint", in: "OptimisticONS")
    try Check.finite(m, "hint", in: "OptimisticONS")
    pending = true
    return step(m)
  }

  public mutating func update(gradient: [Double]) throws {
    try Check.dimension(gradient, dimension, "gradient", in: "OptimisticONS")
    try Check.finite(gradient, "gradient", in: "OptimisticONS")
    guard pending else {
      throw SolverError.invalidArgument(
        "OptimisticONS: update(gradient:) in round \(round + 1) without predict(hint:): call predict first")
    }
    center = step(gradient)
    let d = dimension
    for i in 0..<d { for j in 0..<d { matrix[i * d + j] += 0.5 * beta * gradient[i] * gradient[j] } }
    projection = try MahalanobisProjection(metric: matrix, dimension: d)
    lastGradient = gradient
    pending = false
    round += 1
  }
}
