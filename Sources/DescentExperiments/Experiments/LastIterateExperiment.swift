import Descent
import DescentSolvers
import Foundation

/// Last-iterate convergence of composite SGD (Liu and Zhou, "Revisiting the Last-Iterate
/// Convergence of Stochastic Gradient Methods", ICLR 2024, arXiv:2312.08531). The paper is
/// theory without code; the digest's CPU reproduction is run through DescentSolvers'
/// `ProximalSGD` (soft-thresholding prox), `StochasticStepSize`, `GradientNoise`, the iterate
/// trackers and `LeastAbsoluteDeviations` (the exact F*).
///
/// Problem: F(x) = (1/n)Σ|aᵢᵀx − bᵢ| + λ‖x‖₁, λ = 0.01, d = 20, n = 2000, aᵢ ~ N(0, I),
/// bᵢ = aᵢᵀx♮ + εᵢ (x♮ half zeros, the rest N(0, 1); εᵢ ~ N(0, 1)). Stochastic subgradients
/// gₜ = sign(aᵢᵀxₜ − bᵢ)aᵢ + ξₜ at a uniform index i, x₁ = 0.
///
/// (a) ξₜ ~ N(0, I), ηₜ = η₀/√T for each horizon T ∈ {10², 10^2.5, …, 10⁵} (a fresh run per T),
///     η₀ = D/G with D = ‖x*‖ = ‖x₁ − x*‖ and G² = E‖gₜ‖² (the textbook fixed-horizon step,
///     Nemirovski et al. 2009). Criteria: the least-squares log-log slope of the median (over
///     runs) of F(x_{T+1}) − F* against T in [−0.6, −0.4]; the 95th percentile within a factor 5
///     of the median at every T.
/// (b) F + (μ/2)‖x‖², μ = 1 (in the prox: elastic net), ηₜ = 1/(μt), one anytime run per
///     repetition read at the same T: slope in [−1.1, −0.85].
/// (c) as (a) with Student-t(1.5) noise (infinite variance), the same η₀: slope negative and
///     shallower than (a)'s.
public struct LastIterateExperiment: Experiment {
  public init() {}

  public let id = "last-iterate"
  public let claim =
    "The last iterate of composite stochastic mirror descent converges at rate O~(1/sqrt(T)) "
    + "for Lipschitz convex and O~(1/T) for strongly convex objectives, on general (unbounded) "
    + "domains, in expectation and with high probability under sub-Gaussian noise."
  public let method =
    "Proximal SGD (soft thresholding) on the L1-regularized least-absolute-deviations objective "
    + "(d = 20, n = 2000 synthetic points), single-sample subgradients plus noise, F* from an "
    + "exact interior-point LP/QP solve: (a) Gaussian noise, eta0/sqrt(T) steps, slope of the "
    + "median last-iterate gap against T in [-0.6, -0.4] and the 95th percentile within 5x the "
    + "median; (b) plus (mu/2)|x|^2 with 1/(mu t) steps, slope in [-1.1, -0.85]; (c) Student-t(1.5) "
    + "noise, slope negative and shallower than (a)."
  public let quickDifferences: String? =
    "Horizons 10^3 ... 10^4.5 (four half-decades) instead of 10^2 ... 10^5, 12 runs per "
    + "horizon instead of 100. Same problem, step sizes and targets."

  static let dimension = 20
  static let examples = 2000
  static let l1 = 0.01
  static let ridge = 1.0

  public func run(_ context: ExperimentContext) throws -> ExperimentFindings {
    let d = Self.dimension
    let n = Self.examples
    let exponents = context.size(
      full: [2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0], quick: [3.0, 3.5, 4.0, 4.5])
    let horizons = exponents.map { Int(pow(10, $0).rounded()) }
    let runs = context.size(full: 100, quick: 12)
    let problem = try Self.makeProblem(context)
    let lad = try LeastAbsoluteDeviations(
      design: problem.design, targets: problem.targets, dimension: d, l1: Self.l1)
    let optimum = lad.solve()
    let ridged = try LeastAbsoluteDeviations(
      design: problem.design, targets: problem.targets, dimension: d, l1: Self.l1,
      ridge: Self.ridge)
    let ridgedOptimum = ridged.solve()
    guard optimum.converged, ridgedOptimum.converged else {
      throw SolverError.invalidArgument(
        "last-iterate: F* solve did not converge: \(optimum.reason); \(ridgedOptimum.reason)")
    }
    context.progress(
      "last-iterate: F* = \(Criterion.format(optimum.value)) (LP, \(optimum.iterations) iterations)"
    )
    let distance = optimum.point.reduce(0) { $0 + $1 * $1 }.squareRoot()
    var meanSquaredRow = 0.0
    for v in problem.design { meanSquaredRow += v * v }
    meanSquaredRow /= Double(n)
    let lipschitz = (meanSquaredRow + Double(d)).squareRoot()  // E‖sign·aᵢ + ξ‖², ξ ~ N(0, I)
    let eta0 = distance / lipschitz

    var criteria: [Criterion] = []
    var figures: [ExperimentFigure] = []
    var notes: [String] = []
    let logT = horizons.map { log(Double($0)) }

    // (a) and (c): a fresh fixed-horizon run per T and repetition.
    func fixedHorizon(_ label: String, _ noise: GradientNoise, averages: Bool) throws -> [[Gaps]] {
      try horizons.map { horizon in
        try (0..<runs).map { run in
          var generator = RandomGenerator(seed: context.stream(label, horizon * 1000 + run))
          var sgd = try ProximalSGD(
            start: [Double](repeating: 0, count: d), regularizer: L1Prox(strength: Self.l1),
            schedule: StochasticStepSize.fixedHorizon(eta0, horizon: horizon))
          var uniform = UniformAverageTracker()
          var suffix = try SuffixAverageTracker(horizon: horizon, fraction: 0.5)
          for _ in 0..<horizon {
            let g = problem.stochasticSubgradient(at: sgd.point, noise: noise, &generator)
            try sgd.step(gradient: g)
            if averages {
              try uniform.observe(sgd.point)
              try suffix.observe(sgd.point)
            }
          }
          let last = lad.value(sgd.point) - optimum.value
          guard averages else { return Gaps(last: last, uniform: .nan, suffix: .nan) }
          return Gaps(
            last: last, uniform: lad.value(uniform.estimate!) - optimum.value,
            suffix: lad.value(suffix.estimate!) - optimum.value)
        }
      }
    }
    let gaussian = try fixedHorizon("gaussian", .gaussian(scale: 1), averages: true)
    context.progress("last-iterate: (a) done")
    let medianA = gaussian.map { Self.quantile($0.map(\.last), 0.5) }
    let p95A = gaussian.map { Self.quantile($0.map(\.last), 0.95) }
    let slopeA = Self.slope(logT, medianA.map { log($0) })
    let range = "T in [\(Self.power(horizons.first!)), \(Self.power(horizons.last!))]"
    criteria.append(
      .within(
        "(a) Lipschitz convex, eta0/sqrt(T): log-log slope of median F(x_T+1) - F* over \(range)",
        slopeA, -0.6, -0.4))
    let tailRatio = zip(p95A, medianA).map { $0 / $1 }.max()!
    criteria.append(
      .atMost("(a) max over T of 95th-percentile / median gap", tailRatio, 5))

    // (b): anytime 1/(μt) steps, one run per repetition read at every horizon.
    var gapsB = [[Double]](repeating: [], count: horizons.count)
    let composite = try L1Prox(strength: Self.l1).addingSquaredL2(strength: Self.ridge)
    for run in 0..<runs {
      var generator = RandomGenerator(seed: context.stream("strongly convex", run))
      var sgd = try ProximalSGD(
        start: [Double](repeating: 0, count: d), regularizer: composite,
        schedule: StochasticStepSize.stronglyConvex(modulus: Self.ridge))
      var next = 0
      for t in 1...horizons.last! {
        let g = problem.stochasticSubgradient(at: sgd.point, noise: .gaussian(scale: 1), &generator)
        try sgd.step(gradient: g)
        if t == horizons[next] {
          gapsB[next].append(ridged.value(sgd.point) - ridgedOptimum.value)
          next += 1
        }
      }
    }
    context.progress("last-iterate: (b) done")
    let medianB = gapsB.map { Self.quantile($0, 0.5) }
    let slopeB = Self.slope(logT, medianB.map { log($0) })
    criteria.append(
      .within(
        "(b) strongly convex (mu = \(Self.ridge)), 1/(mu t): log-log slope of median gap over \(range)",
        slopeB, -1.1, -0.85))

    let heavy = try fixedHorizon(
      "student-t", .studentT(degreesOfFreedom: 1.5, scale: 1), averages: false)
    context.progress("last-iterate: (c) done")
    let medianC = heavy.map { Self.quantile($0.map(\.last), 0.5) }
    let slopeC = Self.slope(logT, medianC.map { log($0) })
    criteria.append(
      Criterion(
        name: "(c) Student-t(1.5) noise, eta0/sqrt(T): log-log slope of median gap over \(range)",
        measured: slopeC, target: "< 0", passed: slopeC < 0))
    criteria.append(
      Criterion(
        name: "(c) shallower than (a): slope (c) - slope (a)", measured: slopeC - slopeA,
        target: "> 0", passed: slopeC > slopeA))

    let x = horizons.map { log10(Double($0)) }
    let medianUniform = gaussian.map { Self.quantile($0.map(\.uniform), 0.5) }
    let medianSuffix = gaussian.map { Self.quantile($0.map(\.suffix), 0.5) }
    figures.append(
      .lines(
        title: "(a) Lipschitz convex, Gaussian noise: F(x) - F* against T", xLabel: "log10 T",
        yLabel: "F(x) - F*", yScale: .log,
        lines: [
          ("last iterate, median", x, medianA), ("last iterate, 95th percentile", x, p95A),
          ("uniform average, median", x, medianUniform),
          ("suffix average (1/2), median", x, medianSuffix),
        ],
        caption:
          "Proximal SGD, eta_t = eta0/sqrt(T) (a fresh run per T), \(runs) runs per T; a slope "
          + "of -1/2 on these axes is the O(1/sqrt(T)) rate.",
        identifier: "last-iterate-lipschitz"))
    figures.append(
      .lines(
        title: "(b), (c): strongly convex and heavy-tailed noise", xLabel: "log10 T",
        yLabel: "median F(x_T+1) - F*", yScale: .log,
        lines: [
          ("(a) Gaussian, eta0/sqrt(T)", x, medianA), ("(b) + (mu/2)|x|^2, 1/(mu t)", x, medianB),
          ("(c) Student-t(1.5), eta0/sqrt(T)", x, medianC),
        ],
        caption:
          "Medians over \(runs) runs; slopes -1 for (b) (O(1/T)), shallower than -1/2 for (c).",
        identifier: "last-iterate-rates"))
    notes.append(
      "F* = \(Criterion.format(optimum.value)) (interior point, \(optimum.iterations) iterations, "
        + "dual bound \(Criterion.format(optimum.dualValue))); with (mu/2)|x|^2: "
        + "\(Criterion.format(ridgedOptimum.value)). eta0 = D/G = \(Criterion.format(distance)) / "
        + "\(Criterion.format(lipschitz)) = \(Criterion.format(eta0)).")
    notes.append(
      "Median last-iterate gaps at T = \(horizons.map { Self.power($0) }.joined(separator: ", ")): "
        + "(a) \(medianA.map(Criterion.format).joined(separator: ", ")); "
        + "(b) \(medianB.map(Criterion.format).joined(separator: ", ")); "
        + "(c) \(medianC.map(Criterion.format).joined(separator: ", ")).")
    let local = zip(logT.dropFirst(), logT).map { $0 - $1 }
    let localA = zip(zip(medianA.dropFirst(), medianA), local).map { log($0.0 / $0.1) / $1 }
    notes.append(
      "(a) local slopes between consecutive T: \(localA.map(Criterion.format).joined(separator: ", ")) "
        + "(the first is steepest in full runs: at T = 1e2 the run has barely covered the distance D from x1 = 0). "
        + "At the largest T the uniform and suffix averages have median gaps "
        + "\(Criterion.format(medianUniform.last!)) and \(Criterion.format(medianSuffix.last!)) "
        + "against the last iterate's \(Criterion.format(medianA.last!)).")
    return ExperimentFindings(criteria: criteria, figures: figures, notes: notes)
  }

  struct Gaps {
    var last: Double
    var uniform: Double
    var suffix: Double
  }

  /// The data of F: A (row-major n×d) and b.
  struct Problem {
    let design: [Double]
    let targets: [Double]
    let dimension: Int

    /// sign(aᵢᵀx − bᵢ)·aᵢ + ξ for a uniform index i: an unbiased subgradient of (1/n)‖Ax − b‖₁
    /// plus noise (the λ‖x‖₁ part is the prox's).
    func stochasticSubgradient(
      at x: [Double], noise: GradientNoise, _ generator: inout RandomGenerator
    ) -> [Double] {
      let d = dimension
      let i = Int.random(in: 0..<targets.count, using: &generator)
      var residual = -targets[i]
      for j in 0..<d { residual += design[i * d + j] * x[j] }
      let sign: Double = residual > 0 ? 1 : (residual < 0 ? -1 : 0)
      var g = noise.sample(d, using: &generator)
      for j in 0..<d { g[j] += sign * design[i * d + j] }
      return g
    }
  }

  static func makeProblem(_ context: ExperimentContext) throws -> Problem {
    let d = dimension
    let n = examples
    var generator = RandomGenerator(seed: context.stream("data"))
    let normal = GradientNoise.gaussian(scale: 1)
    let design = normal.sample(n * d, using: &generator)
    let truth = (0..<d).map { _ in
      let value = normal.sample(using: &generator)
      return Bool.random(using: &generator) ? value : 0
    }
    let targets = (0..<n).map { i in
      var s = normal.sample(using: &generator)
      for j in 0..<d { s += design[i * d + j] * truth[j] }
      return s
    }
    return Problem(design: design, targets: targets, dimension: d)
  }

  /// The q-quantile (linear interpolation between order statistics, NumPy's default).
  static func quantile(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.sorted()
    let position = q * Double(sorted.count - 1)
    let low = Int(position.rounded(.down))
    let high = min(low + 1, sorted.count - 1)
    return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
  }

  /// The least-squares slope of y on x.
  static func slope(_ x: [Double], _ y: [Double]) -> Double {
    let mx = x.reduce(0, +) / Double(x.count)
    let my = y.reduce(0, +) / Double(y.count)
    var sxy = 0.0
    var sxx = 0.0
    for i in x.indices {
      sxy += (x[i] - mx) * (y[i] - my)
      sxx += (x[i] - mx) * (x[i] - mx)
    }
    return sxy / sxx
  }

  /// "1e5" for 100000, "3162" otherwise.
  static func power(_ n: Int) -> String {
    var m = n
    var e = 0
    while m % 10 == 0, m > 0 {
      m /= 10
      e += 1
    }
    return m == 1 ? "1e\(e)" : "\(n)"
  }
}
