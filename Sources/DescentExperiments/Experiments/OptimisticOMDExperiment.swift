import Descent
import DescentSolvers
import Foundation

/// Optimistic online mirror descent in the stochastically extended adversarial (SEA) model
/// (Chen, Zhang, Tu, Zhao and Zhang, "Optimistic Online Mirror Descent for Bridging Stochastic and
/// Adversarial Online Convex Optimization", ICML 2023, arXiv:2302.04552). The paper has no
/// experiments and no code; the digest's implementation tests are run instead, through
/// `DescentSolvers.OptimisticMirrorDescent` (Euclidean divergence, default hint Mₜ = gₜ₋₁) on
/// the ball ‖x‖ ≤ 1 in d = 5. Regret is measured against the expected losses in closed form
/// (pseudo-regret), as the digest says:
///
/// (i) fixed quadratic fₜ = ½‖x − c‖², ‖c‖ = 2 (outside the ball), convex step rule: static
///     regret bounded, R(1e5) − R(1e3) < 1;
/// (ii) linear losses ⟨c + σξₜ, x⟩, ξₜ ~ N(0, I), ‖c‖ = 1, convex step rule, comparator −c/‖c‖
///     on the boundary (no interior minimizer): log-log slope of the mean regret over T in
///     [0.4, 0.6] for σ = 1 and σ = 2, and linear in σ: R_T(σ = 2)/R_T(σ = 1) in [1.6, 2.4]
///     (the same draws ξₜ for both σ);
/// (iii) λ = 1 strongly convex fₜ = ½‖x − (c + σξₜ)‖², ‖c‖ = 0.5, σ = 1, step 2/(λt): R_T/log T
///     flat, (R_T/log T)/(R_{T/10}/log(T/10)) in [0.8, 1.25] (√T growth would give 2.5);
/// (iv) dynamic regret with moving targets cₜ = 0.5·(cos ωt·e + sin ωt·e′) (a random plane,
///     ω = 0.01, no noise), constant step η = 0.5: dynamic regret Σ ½‖xₜ − cₜ‖² at most the OOMD
///     bound (D² + 2D·P_T)/(2η) + η·Σ‖gₜ − Mₜ‖² (D = 2, P_T the targets' path length), and it
///     grows no faster than the path length: (R_T/(1 + P_T)) ≤ (R_{T/10}/(1 + P_{T/10})). The
///     static regret there is negative (tracking beats every fixed point, the digest's caution),
///     so it is reported, not judged.
public struct OptimisticOMDExperiment: Experiment {
  public init() {}

  public let id = "optimistic-omd"
  public let claim =
    "Optimistic OMD in the SEA model has regret O(sqrt(sigma^2_1:T) + sqrt(Sigma^2_1:T)) for "
    + "convex functions, O(min{log(sigma^2_1:T + Sigma^2_1:T), (sigma^2_max + Sigma^2_max) log T}) "
    + "for strongly convex ones and O(d log(sigma^2_1:T + Sigma^2_1:T)) for exp-concave ones: it "
    + "bridges stochastic and adversarial online convex optimization."
  public let method =
    "The digest's implementation tests of OptimisticMirrorDescent (Euclidean, hint = last "
    + "gradient) on the unit ball in d = 5, regret against closed-form expected losses: (i) a "
    + "fixed quadratic, bounded regret; (ii) noisy linear losses, regret slope 0.4-0.6 in T and "
    + "linear in sigma; (iii) strongly convex step sizes, R_T/log T flat; (iv) dynamic regret "
    + "with rotating targets against the OOMD bound and the path length."
  public let quickDifferences: String? =
    "Horizons 1e4 (i) and 2e4 (ii-iv) instead of 1e5, 3 noise runs instead of 8; (i) compares "
    + "R(1e4) - R(1e3), (ii) fits the slope over [200, 2e4], (iii) and (iv) compare T = 2e4 with "
    + "T/10 = 2e3. Same targets."

  static let dimension = 5

  public func run(_ context: ExperimentContext) throws -> ExperimentFindings {
    let d = Self.dimension
    let ball = try EuclideanBall(dimension: d, radius: 1)
    let horizon = context.size(full: 100_000, quick: 20_000)
    let runs = context.size(full: 8, quick: 3)
    var criteria: [Criterion] = []
    var figures: [ExperimentFigure] = []
    var notes: [String] = []

    // (i) A fixed quadratic outside the ball: the comparator is its projection.
    let staticHorizon = context.size(full: 100_000, quick: 10_000)
    var directions = RandomGenerator(seed: context.stream("directions"))
    let c1 = Self.scaled(Self.gaussian(d, &directions), to: 2)
    let best1 = ball.project(c1)
    let fBest1 = 0.5 * Self.squaredDistance(best1, c1)
    var learner1 = try OptimisticMirrorDescent(
      divergence: EuclideanDivergence(set: ball), rule: .convex())
    var regret1 = 0.0
    var curve1: [(Double, Double)] = []
    var at1000 = Double.nan
    for t in 1...staticHorizon {
      let x = try learner1.predict()
      regret1 += 0.5 * Self.squaredDistance(x, c1) - fBest1
      try learner1.update(gradient: (0..<d).map { x[$0] - c1[$0] })
      if t == 1000 { at1000 = regret1 }
      if Self.isCheckpoint(t) { curve1.append((Double(t), regret1)) }
    }
    criteria.append(
      .atMost(
        "(i) fixed quadratic: R(\(Self.power(staticHorizon))) - R(1e3), static regret",
        regret1 - at1000, 1))
    figures.append(
      .lines(
        title: "(i) Fixed quadratic on the unit ball: static regret", xLabel: "log10 T",
        yLabel: "regret R_T", lines: [("OOMD, convex steps", curve1.map { log10($0.0) }, curve1.map(\.1))],
        caption: "f_t = ½‖x − c‖², ‖c‖ = 2, comparator Π(c): the regret levels off.",
        identifier: "omd-static"))
    context.progress("optimistic-omd: (i) done")

    // (ii) Noisy linear losses; the same noise for both σ.
    let c2 = Self.scaled(Self.gaussian(d, &directions), to: 1)
    let checkpoints2 = Self.logSpaced(from: horizon / 100, to: horizon, count: 9)
    var mean2: [Double: [Double]] = [:]
    for sigma in [1.0, 2.0] {
      var sums = [Double](repeating: 0, count: checkpoints2.count)
      for run in 0..<runs {
        var noise = RandomGenerator(seed: context.stream("linear", run))
        var learner = try OptimisticMirrorDescent(
          divergence: EuclideanDivergence(set: ball), rule: .convex())
        var regret = 0.0
        var next = 0
        for t in 1...horizon {
          let x = try learner.predict()
          // E⟨c + σξ, x⟩ − min_X ⟨c, ·⟩ = ⟨c, x⟩ + ‖c‖ (‖c‖ = 1).
          regret += Self.dot(c2, x) + 1
          let xi = Self.gaussian(d, &noise)
          try learner.update(gradient: (0..<d).map { c2[$0] + sigma * xi[$0] })
          if next < checkpoints2.count, t == checkpoints2[next] {
            sums[next] += regret / Double(runs)
            next += 1
          }
        }
      }
      mean2[sigma] = sums
    }
    let logT = checkpoints2.map { log(Double($0)) }
    for sigma in [1.0, 2.0] {
      criteria.append(
        .within(
          "(ii) linear losses, sigma = \(Int(sigma)): log-log slope of mean regret over T in ["
            + "\(checkpoints2.first!), \(checkpoints2.last!)]",
          Self.slope(logT, mean2[sigma]!.map { log($0) }), 0.4, 0.6))
    }
    let ratio2 = mean2[2]!.last! / mean2[1]!.last!
    criteria.append(
      .within("(ii) linear losses: R_T(sigma = 2) / R_T(sigma = 1) at T = \(Self.power(horizon))", ratio2, 1.6, 2.4))
    figures.append(
      .lines(
        title: "(ii) Noisy linear losses: regret against T", xLabel: "log10 T", yLabel: "mean regret R_T",
        yScale: .log,
        lines: [1.0, 2.0].map { sigma in
          ("sigma = \(Int(sigma))", checkpoints2.map { log10(Double($0)) }, mean2[sigma]!)
        },
        caption: "⟨c + σξ_t, x⟩ on the unit ball, mean of \(runs) runs; a slope of 1/2 on these axes is σ√T growth.",
        identifier: "omd-linear"))
    context.progress("optimistic-omd: (ii) done")

    // (iii) Strongly convex stochastic quadratics with 2/(λt) steps.
    let c3 = Self.scaled(Self.gaussian(d, &directions), to: 0.5)
    let checkpoints3 = Self.logSpaced(from: horizon / 100, to: horizon, count: 9)
    var mean3 = [Double](repeating: 0, count: checkpoints3.count)
    for run in 0..<runs {
      var noise = RandomGenerator(seed: context.stream("strongly convex", run))
      var learner = try OptimisticMirrorDescent(
        divergence: EuclideanDivergence(set: ball), rule: .stronglyConvex(modulus: 1))
      var regret = 0.0
      var next = 0
      for t in 1...horizon {
        let x = try learner.predict()
        // E½‖x − (c + σξ)‖² − min = ½‖x − c‖² (c inside the ball).
        regret += 0.5 * Self.squaredDistance(x, c3)
        let xi = Self.gaussian(d, &noise)
        try learner.update(gradient: (0..<d).map { x[$0] - c3[$0] - xi[$0] })
        if next < checkpoints3.count, t == checkpoints3[next] {
          mean3[next] += regret / Double(runs)
          next += 1
        }
      }
    }
    let perLog = zip(checkpoints3, mean3).map { $1 / log(Double($0)) }
    let middle = checkpoints3.firstIndex(of: horizon / 10)!
    criteria.append(
      .within(
        "(iii) strongly convex: (R_T/log T) at T = \(Self.power(horizon)) over its value at T/10",
        perLog.last! / perLog[middle], 0.8, 1.25))
    figures.append(
      .lines(
        title: "(iii) Strongly convex losses, steps 2/(λt): R_T / log T", xLabel: "log10 T",
        yLabel: "R_T / log T",
        lines: [("OOMD, 2/(λt)", checkpoints3.map { log10(Double($0)) }, perLog)],
        caption: "½‖x − (c + σξ_t)‖², σ = 1, mean of \(runs) runs: flat means logarithmic regret.",
        identifier: "omd-strongly-convex"))
    context.progress("optimistic-omd: (iii) done")

    // (iv) Rotating targets: dynamic regret.
    let e = Self.scaled(Self.gaussian(d, &directions), to: 1)
    var f = Self.gaussian(d, &directions)
    let projection = Self.dot(e, f)
    f = Self.scaled((0..<d).map { f[$0] - projection * e[$0] }, to: 1)
    let omega = 0.01, rho = 0.5, eta = 0.5
    func target(_ t: Int) -> [Double] {
      (0..<d).map { rho * (cos(omega * Double(t)) * e[$0] + sin(omega * Double(t)) * f[$0]) }
    }
    var learner4 = try OptimisticMirrorDescent(
      divergence: EuclideanDivergence(set: ball), rule: .constant(eta))
    var dynamic = 0.0, path = 0.0, hintError = 0.0
    var previous = target(1)
    var lossSum = 0.0
    var targetSum = [Double](repeating: 0, count: d)
    var targetSquares = 0.0
    var dynamicAtTenth = Double.nan, pathAtTenth = Double.nan
    var curve4: [(Double, Double, Double)] = []
    let tenth = horizon / 10
    for t in 1...horizon {
      let ct = target(t)
      if t > 1 { path += Self.squaredDistance(ct, previous).squareRoot() }
      previous = ct
      let hint = learner4.lastGradient ?? [Double](repeating: 0, count: d)
      let x = try learner4.predict(hint: hint)
      let loss = 0.5 * Self.squaredDistance(x, ct)
      dynamic += loss  // min_X fₜ = 0: cₜ is inside the ball
      lossSum += loss
      for i in 0..<d { targetSum[i] += ct[i] }
      targetSquares += Self.dot(ct, ct)
      let g = (0..<d).map { x[$0] - ct[$0] }
      hintError += Self.squaredDistance(g, hint)
      try learner4.update(gradient: g)
      if t == tenth {
        dynamicAtTenth = dynamic
        pathAtTenth = path
      }
      if Self.isCheckpoint(t) {
        // Static comparator: argmin Σ½‖u − cₛ‖² over the ball = Π(mean cₛ).
        let mean = targetSum.map { $0 / Double(t) }
        let u = ball.project(mean)
        let comparator = 0.5 * (Double(t) * Self.dot(u, u) - 2 * Self.dot(u, targetSum) + targetSquares)
        curve4.append((Double(t), dynamic, lossSum - comparator))
      }
    }
    let bound = (4 + 2 * 2 * path) / (2 * eta) + eta * hintError
    criteria.append(
      .atMost(
        "(iv) rotating targets: dynamic regret / OOMD bound ((D^2 + 2D P_T)/(2 eta) + eta sum |g - M|^2)",
        dynamic / bound, 1))
    criteria.append(
      .atMost(
        "(iv) rotating targets: (R_T/(1 + P_T)) at T = \(Self.power(horizon)) over its value at T/10",
        (dynamic / (1 + path)) / (dynamicAtTenth / (1 + pathAtTenth)), 1))
    let staticFinal = curve4.last!.2
    figures.append(
      .lines(
        title: "(iv) Rotating targets: dynamic and static regret", xLabel: "log10 T", yLabel: "regret",
        lines: [
          ("dynamic regret", curve4.map { log10($0.0) }, curve4.map(\.1)),
          ("static regret", curve4.map { log10($0.0) }, curve4.map(\.2)),
        ],
        caption: "½‖x − c_t‖² with c_t rotating (ω = 0.01, radius 0.5), constant step 0.5: the "
          + "static regret is negative, tracking beats every fixed point.",
        identifier: "omd-dynamic"))
    notes.append(
      "(i) R(1e3) = \(Criterion.format(at1000)), R(\(Self.power(staticHorizon))) = \(Criterion.format(regret1)). "
        + "(ii) mean regret at T = \(Self.power(horizon)): sigma = 1: \(Criterion.format(mean2[1]!.last!)), "
        + "sigma = 2: \(Criterion.format(mean2[2]!.last!)). (iii) R_T/log T at T/10 and T: "
        + "\(Criterion.format(perLog[middle])), \(Criterion.format(perLog.last!)).")
    notes.append(
      "(iv) dynamic regret \(Criterion.format(dynamic)) against the bound \(Criterion.format(bound)) "
        + "(path length P_T = \(Criterion.format(path)), sum |g - M|^2 = \(Criterion.format(hintError))); "
        + "the static regret is \(Criterion.format(staticFinal)) (negative: the digest's caution, so "
        + "moving targets are judged by dynamic regret).")
    notes.append(
      "The paper has no experiments; these are the digest's implementation tests, with regret "
        + "against closed-form expected losses (pseudo-regret).")
    context.progress("optimistic-omd: (iv) done")
    return ExperimentFindings(criteria: criteria, figures: figures, notes: notes)
  }

  // MARK: helpers

  /// `count` standard normal entries (the library's Box–Muller sampler) from the generator's
  /// next key.
  static func gaussian(_ count: Int, _ generator: inout RandomGenerator) -> [Double] {
    Tensor.normal([count], dtype: .float64, using: &generator).doubles
  }

  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
  }

  static func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
    return s
  }

  static func scaled(_ v: [Double], to length: Double) -> [Double] {
    let norm = dot(v, v).squareRoot()
    return v.map { $0 * length / norm }
  }

  /// `count` integers from `from` to `to`, evenly spaced in log (both ends included).
  static func logSpaced(from: Int, to: Int, count: Int) -> [Int] {
    let a = log(Double(from)), b = log(Double(to))
    return (0..<count).map { Int((exp(a + (b - a) * Double($0) / Double(count - 1))).rounded()) }
  }

  /// The least-squares slope of y on x.
  static func slope(_ x: [Double], _ y: [Double]) -> Double {
    let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
    var sxy = 0.0, sxx = 0.0
    for i in x.indices {
      sxy += (x[i] - mx) * (y[i] - my)
      sxx += (x[i] - mx) * (x[i] - mx)
    }
    return sxy / sxx
  }

  /// 1, 2, 5 × powers of ten: the points of the curves.
  static func isCheckpoint(_ t: Int) -> Bool {
    var m = t
    while m % 10 == 0 { m /= 10 }
    return m == 1 || m == 2 || m == 5
  }

  /// "1e5" for 100000, "2e4" for 20000.
  static func power(_ n: Int) -> String {
    var m = n, e = 0
    while m % 10 == 0, m > 0 { m /= 10; e += 1 }
    return "\(m)e\(e)"
  }
}
