import DescentSolvers
import Foundation
import Testing

@Suite struct OptimisticMirrorDescentTests {
  struct Uniform {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
  }

  static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map(*).reduce(0, +) }

  /// With the perfect hint Mₜ = gₜ on linear losses, OOMD's regret against every fixed point is
  /// at most B(u, x̂₁)/η (the stability terms are all non-positive): ≤ r²/(2η) on a ball from the
  /// center, ≤ log d / η on the simplex from the uniform point — whatever the horizon.
  @Test func perfectHintsGiveConstantRegret() throws {
    var u = Uniform(state: 21)
    let d = 4
    let ball = try EuclideanBall(dimension: d, radius: 1.5)
    let simplex = try Simplex(dimension: d)
    var euclidean = try OptimisticMirrorDescent(
      divergence: EuclideanDivergence(set: ball), rule: .convex())
    var entropic = try OptimisticMirrorDescent(
      divergence: EntropicDivergence(simplex: simplex), rule: .convex())
    var total = [Double](repeating: 0, count: d)
    var lossBall = 0.0, lossSimplex = 0.0
    for _ in 0..<5000 {
      let g = (0..<d).map { _ in 2 * u.next() - 1 }
      lossBall += Self.dot(g, try euclidean.predict(hint: g))
      lossSimplex += Self.dot(g, try entropic.predict(hint: g))
      try euclidean.update(gradient: g)
      try entropic.update(gradient: g)
      for i in 0..<d { total[i] += g[i] }
    }
    // Hint errors are zero, so ηₜ stays D/√δ.
    #expect(euclidean.accumulatedError == 0 && entropic.accumulatedError == 0)
    let norm = total.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let regretBall = lossBall + 1.5 * norm  // best fixed point: −r·Σg/‖Σg‖
    let regretSimplex = lossSimplex - total.min()!  // best fixed point: a vertex
    let etaBall = euclidean.stepSize, etaSimplex = entropic.stepSize
    #expect(regretBall <= 1.5 * 1.5 / (2 * etaBall) + 1e-9, "\(regretBall)")
    #expect(regretSimplex <= log(Double(d)) / etaSimplex + 1e-9, "\(regretSimplex)")
    // Without hints the same losses cost far more: optimism is what makes it constant.
    var plain = try OptimisticMirrorDescent(divergence: EuclideanDivergence(set: ball), rule: .convex())
    var u2 = Uniform(state: 21)
    var lossPlain = 0.0
    for _ in 0..<5000 {
      let g = (0..<d).map { _ in 2 * u2.next() - 1 }
      lossPlain += Self.dot(g, try plain.predict(hint: [0, 0, 0, 0]))
      try plain.update(gradient: g)
    }
    #expect(lossPlain + 1.5 * norm > 10 * (1.5 * 1.5 / (2 * etaBall)))
  }

  /// The step-size rules: D/√(δ + Σ‖gₛ − Mₛ‖²_*) with the divergence's dual norm, 2/(λt), η.
  @Test func stepSizeFormulas() throws {
    let ball = try EuclideanBall(dimension: 2, radius: 1)
    var convex = try OptimisticMirrorDescent(
      divergence: EuclideanDivergence(set: ball), rule: .convex(delta: 2))
    #expect(convex.stepSize == 2 / 2.0.squareRoot())
    _ = try convex.predict(hint: [1, 0])
    try convex.update(gradient: [0, 1])  // ‖g − M‖² = 2
    #expect(abs(convex.stepSize - 2 / 4.0.squareRoot()) < 1e-15)
    _ = try convex.predict()  // default hint: the last gradient [0, 1]
    try convex.update(gradient: [3, 1])  // ‖g − M‖² = 9
    #expect(abs(convex.stepSize - 2 / 13.0.squareRoot()) < 1e-15)
    var entropic = try OptimisticMirrorDescent(
      divergence: EntropicDivergence(simplex: try Simplex(dimension: 3)),
      rule: .convex(diameter: 0.5, delta: 1))
    _ = try entropic.predict(hint: [0, 0, 0])
    try entropic.update(gradient: [0.5, -2, 1])  // ‖·‖²_∞ = 4
    #expect(abs(entropic.stepSize - 0.5 / 5.0.squareRoot()) < 1e-15)
    var strong = try OptimisticMirrorDescent(
      divergence: EuclideanDivergence(set: ball), rule: .stronglyConvex(modulus: 4))
    #expect(strong.stepSize == 0.5)
    for _ in 0..<9 {
      _ = try strong.predict()
      try strong.update(gradient: [0.1, 0.2])
    }
    #expect(abs(strong.stepSize - 2 / (4 * 10.0)) < 1e-15)
    let constant = try OptimisticMirrorDescent(
      divergence: EuclideanDivergence(set: ball), rule: .constant(0.3))
    #expect(constant.stepSize == 0.3)
    #expect(convex.round == 2 && strong.round == 9)
  }

  /// One round by hand: x₁ = Π(x̂₁ − ηM₁), x̂₂ = Π(x̂₁ − ηg₁).
  @Test func oneRoundByHand() throws {
    let ball = try EuclideanBall(dimension: 2, radius: 1)
    var learner = try OptimisticMirrorDescent(
      divergence: EuclideanDivergence(set: ball), rule: .constant(0.5), start: [0.2, 0])
    let x = try learner.predict(hint: [4, 0])
    #expect(x == [-1, 0])  // (0.2 − 2, 0) projected
    try learner.update(gradient: [0, 1])
    #expect(learner.center == [0.2, -0.5])
    #expect(learner.lastGradient == [0, 1])
  }

  /// Optimistic ONS on exp-concave squared losses ½(⟨aₜ, x⟩ − bₜ)² in a ball: its iterates stay
  /// in the ball and its regret against the best fixed point (the exact minimizer of the summed
  /// quadratic over the ball, by a Mahalanobis projection) grows logarithmically: each
  /// quadrupling of T adds about the same amount (measured 3.6 and 3.7), where √T growth would
  /// double the increment.
  @Test func optimisticONSHasLogarithmicRegretOnExpConcaveLosses() throws {
    var u = Uniform(state: 8)
    let d = 3
    let ball = try EuclideanBall(dimension: d, radius: 1)
    var learner = try OptimisticONS(set: ball, beta: 0.5, delta: 1)
    let truth = [0.5, -0.3, 0.4]
    var gram = [Double](repeating: 0, count: d * d), moment = [Double](repeating: 0, count: d)
    var constant = 0.0, loss = 0.0
    var regrets: [Int: Double] = [:]
    for t in 1...16000 {
      let a = (0..<d).map { _ in 2 * u.next() - 1 }
      let b = Self.dot(a, truth) + 0.3 * (2 * u.next() - 1)
      let x = try learner.predict()
      #expect(ball.contains(x, tolerance: 1e-9))
      let residual = Self.dot(a, x) - b
      loss += 0.5 * residual * residual
      try learner.update(gradient: a.map { residual * $0 })
      for i in 0..<d {
        moment[i] += b * a[i]
        for j in 0..<d { gram[i * d + j] += a[i] * a[j] }
      }
      constant += 0.5 * b * b
      if t == 1000 || t == 4000 || t == 16000 {
        let metric = try MahalanobisProjection(metric: gram, dimension: d)
        let best = metric.project(metric.solve(moment), onto: ball)
        let quadratic = 0.5 * Self.dot(best, metric.apply(best)) - Self.dot(moment, best) + constant
        regrets[t] = loss - quadratic
      }
    }
    let r1 = regrets[1000]!, r4 = regrets[4000]!, r16 = regrets[16000]!
    #expect(r16 > 0 && r16 < 20 * Double(d) * log(16000.0), "\(r16)")
    #expect(r4 > r1 && r16 - r4 < 1.3 * (r4 - r1), "R(1000), R(4000), R(16000) = \(r1), \(r4), \(r16)")
    #expect(learner.round == 16000)
  }

  /// Bad input: one-line errors naming the value.
  @Test func refusesBadInput() throws {
    let ball = try EuclideanBall(dimension: 2, radius: 1)
    let euclidean = EuclideanDivergence(set: ball)
    #expect(throws: SolverError.invalidArgument(
      "OptimisticStepRule.constant: step size = -1 is invalid: must be a finite number > 0")) {
      try OptimisticMirrorDescent(divergence: euclidean, rule: .constant(-1))
    }
    #expect(throws: SolverError.self) {
      try OptimisticMirrorDescent(divergence: euclidean, rule: .stronglyConvex(modulus: 0))
    }
    #expect(throws: SolverError.self) {
      try OptimisticMirrorDescent(divergence: euclidean, rule: .convex(delta: .nan))
    }
    #expect(throws: SolverError.self) {
      try OptimisticMirrorDescent(
        divergence: EuclideanDivergence(set: try WholeSpace(dimension: 2)), rule: .convex())
    }
    let simplex = try Simplex(dimension: 3)
    #expect(throws: SolverError.invalidArgument(
      "OptimisticMirrorDescent: start [1.5, -0.2, -0.3] is invalid: must have entries in (0, 1] summing to 1")) {
      try OptimisticMirrorDescent(
        divergence: EntropicDivergence(simplex: simplex), rule: .convex(), start: [1.5, -0.2, -0.3])
    }
    #expect(throws: SolverError.dimensionMismatch(
      "OptimisticMirrorDescent: start has 3 entries, expected 2")) {
      try OptimisticMirrorDescent(divergence: euclidean, rule: .convex(), start: [0, 0, 0])
    }
    var learner = try OptimisticMirrorDescent(divergence: euclidean, rule: .convex())
    #expect(throws: SolverError.invalidArgument(
      "OptimisticMirrorDescent: update(gradient:) in round 1 without predict(hint:): call predict first")) {
      try learner.update(gradient: [1, 1])
    }
    #expect(throws: SolverError.dimensionMismatch(
      "OptimisticMirrorDescent: hint has 3 entries, expected 2")) {
      try learner.predict(hint: [1, 2, 3])
    }
    _ = try learner.predict()
    #expect(throws: SolverError.self) { try learner.update(gradient: [.nan, 0]) }
    #expect(throws: SolverError.invalidArgument(
      "OptimisticONS: beta = 0 is invalid: must be a finite number > 0")) {
      try OptimisticONS(set: ball, beta: 0)
    }
    #expect(throws: SolverError.self) { try OptimisticONS(set: ball, start: [3, 0]) }
    var ons = try OptimisticONS(set: ball)
    #expect(throws: SolverError.self) { try ons.update(gradient: [1, 0]) }
    #expect(throws: SolverError.self) { try ons.predict(hint: [1]) }
  }
}
