import Descent
import DescentSolvers
import Foundation
import Testing

/// Step-size schedules, iterate trackers, noise injectors, ProximalSGD and MirrorSGD.
@Suite struct StochasticGradientMethodTests {
  static func message(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch { return "\(error)" }
  }

  @Test func schedulesGiveTheirFormulas() throws {
    let fixed = StochasticStepSize.fixedHorizon(2, horizon: 400)
    let anytime = StochasticStepSize.anytime(2)
    let strong = StochasticStepSize.stronglyConvex(modulus: 0.5)
    for t in [1, 4, 9, 400, 1000] {
      #expect(abs(fixed.stepSize(at: t) - 0.1) < 1e-15)
      #expect(abs(anytime.stepSize(at: t) - 2 / Double(t).squareRoot()) < 1e-15)
      #expect(abs(strong.stepSize(at: t) - 2 / Double(t)) < 1e-15)
      // The DescentOptimizers Schedule view is 0-based.
      #expect(anytime.value(atStep: t - 1) == anytime.stepSize(at: t))
    }
    #expect(
      Self.message { try StochasticStepSize.anytime(-1).validate() }
        == "StochasticStepSize.anytime: step size = -1 is invalid: must be a finite number > 0")
    #expect(
      Self.message { try StochasticStepSize.fixedHorizon(1, horizon: 0).validate() }
        == "StochasticStepSize.fixedHorizon: horizon = 0 is invalid: must be an integer ≥ 1")
    #expect(
      Self.message { try StochasticStepSize.stronglyConvex(modulus: .infinity).validate() }?
        .hasPrefix("StochasticStepSize.stronglyConvex: modulus = inf is invalid") == true)
    #expect(
      Self.message {
        _ = try ProximalSGD(
          start: [0], regularizer: L1Prox(strength: 0), schedule: StochasticStepSize.anytime(0))
      }?.hasPrefix("StochasticStepSize.anytime: step size = 0") == true)
  }

  @Test func trackersKeepTheLastTheMeanAndTheSuffixMean() throws {
    let iterates = (1...10).map { t in [Double(t), Double(t * t)] }
    var last = LastIterateTracker()
    var uniform = UniformAverageTracker()
    var suffix = try SuffixAverageTracker(horizon: 10, fraction: 0.3)  // the last 3
    #expect(last.estimate == nil && uniform.estimate == nil && suffix.estimate == nil)
    for (k, x) in iterates.enumerated() {
      try last.observe(x)
      try uniform.observe(x)
      try suffix.observe(x)
      #expect(suffix.estimate == nil || k >= 7)
    }
    #expect(last.estimate == [10, 100] && last.count == 10)
    #expect(abs(uniform.estimate![0] - 5.5) < 1e-14 && abs(uniform.estimate![1] - 38.5) < 1e-13)
    #expect(suffix.window == 3)
    #expect(
      abs(suffix.estimate![0] - 9) < 1e-14
        && abs(suffix.estimate![1] - (64 + 81 + 100) / 3.0) < 1e-13)
    #expect(
      Self.message { try suffix.observe([1, 1]) }?.hasPrefix(
        "SuffixAverageTracker: observation 11 is past the horizon 10") == true)
    #expect(
      Self.message { try uniform.observe([1]) }
        == "UniformAverageTracker: iterate has 1 entries, expected 2")
    #expect(
      Self.message { try last.observe([1, .nan]) }?.hasPrefix(
        "LastIterateTracker: iterate[1] = nan") == true)
    #expect(
      Self.message { _ = try SuffixAverageTracker(horizon: 5, fraction: 0) }
        == "SuffixAverageTracker: fraction = 0.0 is invalid: must be in (0, 1]")
    #expect(try SuffixAverageTracker(horizon: 5, fraction: 0.01).window == 1)
  }

  @Test func noiseHasItsLaw() throws {
    var generator = RandomGenerator(seed: 7)
    let count = 200_000
    let gaussian = GradientNoise.gaussian(scale: 2).sample(count, using: &generator)
    let mean = gaussian.reduce(0, +) / Double(count)
    let variance = gaussian.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)
    #expect(abs(mean) < 0.02 && abs(variance - 4) < 0.06)  // ≈ 3 standard errors
    // An odd count uses half of the last Box–Muller pair; the same seed replays the same draws.
    var first = RandomGenerator(seed: 3)
    var second = RandomGenerator(seed: 3)
    let odd = GradientNoise.gaussian(scale: 1).sample(3, using: &first)
    #expect(odd.count == 3 && odd == GradientNoise.gaussian(scale: 1).sample(3, using: &second))
    #expect(Set(odd).count == 3)
    // t₃: P(|T| ≤ 1) = 0.6090 (2·F₃(1) − 1, F₃(1) = ½ + (1/π)(1/√3·(3/4) + atan(1/√3))).
    let t3 = GradientNoise.studentT(degreesOfFreedom: 3, scale: 1).sample(count, using: &generator)
    let inside = Double(t3.filter { abs($0) <= 1 }.count) / Double(count)
    let exact = 2 * (0.5 + (sqrt(3.0) / 3 * 0.75 + atan(1 / sqrt(3.0))) / Double.pi) - 1
    #expect(abs(inside - exact) < 0.004)
    // Symmetrized Lomax: P(|X| > x) = (1 + x/σ)^(−α).
    let pareto = GradientNoise.pareto(shape: 1.5, scale: 1).sample(count, using: &generator)
    let beyond = Double(pareto.filter { abs($0) > 1 }.count) / Double(count)
    #expect(abs(beyond - pow(2, -1.5)) < 0.004)
    #expect(abs(Double(pareto.filter { $0 > 0 }.count) / Double(count) - 0.5) < 0.004)
    #expect(GradientNoise.studentT(degreesOfFreedom: 1.5, scale: 1).tailIndex == 1.5)
    #expect(
      Self.message { try GradientNoise.studentT(degreesOfFreedom: 1, scale: 1).validate() }?
        .hasPrefix(
          "GradientNoise.studentT: degreesOfFreedom = 1.0 is invalid: must be a finite number > 1")
        == true)
    #expect(
      Self.message { try GradientNoise.pareto(shape: 3, scale: 0).validate() }
        == "GradientNoise.pareto: scale = 0 is invalid: must be a finite number > 0")
  }

  /// One step by hand, then exact gradients of ½‖x − c‖² + λ‖x‖₁ with 1/(μt) steps converge to
  /// the minimizer soft(c, λ).
  @Test func proximalSGDStepsAndConverges() throws {
    var sgd = try ProximalSGD(
      start: [1, -1, 0.5], regularizer: L1Prox(strength: 0.5),
      schedule: StochasticStepSize.anytime(0.5))
    try sgd.step(gradient: [1, 2, -4])  // y = x − 0.5g = [0.5, −2, 2.5], threshold 0.25
    #expect(sgd.point == [0.25, -1.75, 2.25] && sgd.steps == 1)
    #expect(abs(sgd.stepSize - 0.5 / 2.0.squareRoot()) < 1e-15)
    let c = [2.0, -0.3, 0.7]
    var solver = try ProximalSGD(
      start: [0, 0, 0], regularizer: L1Prox(strength: 0.5),
      schedule: StochasticStepSize.stronglyConvex(modulus: 1))
    for _ in 0..<2000 { try solver.step(gradient: (0..<3).map { solver.point[$0] - c[$0] }) }
    #expect(zip(solver.point, [1.5, 0, 0.2]).allSatisfy { abs($0 - $1) < 1e-9 })
    #expect(
      Self.message { try solver.step(gradient: [1, 2]) }
        == "ProximalSGD: gradient has 2 entries, expected 3")
    #expect(
      Self.message { try solver.step(gradient: [1, .infinity, 2]) }?.hasPrefix(
        "ProximalSGD: gradient[1] = inf") == true)
    #expect(
      Self.message {
        _ = try ProximalSGD(
          start: [], regularizer: L1Prox(strength: 0), schedule: StochasticStepSize.anytime(1))
      }
        == "ProximalSGD: start is empty: needs ≥ 1 coordinate")
    #expect(
      Self.message {
        _ = try ProximalSGD(
          start: [0, 0], regularizer: IndicatorProx.simplex(dimension: 3),
          schedule: StochasticStepSize.anytime(1))
      } == "ProximalSGD: start has 2 entries, expected 3")
  }

  @Test func mirrorSGDIsProjectedSGDOrExponentiatedGradient() throws {
    let simplex = try Simplex(dimension: 3)
    var eg = try MirrorSGD(
      divergence: EntropicDivergence(simplex: simplex), schedule: StochasticStepSize.anytime(1))
    try eg.step(gradient: [1, 0, -1])
    let weights = [exp(-1.0), 1, exp(1.0)]
    let total = weights.reduce(0, +)
    #expect(zip(eg.point, weights.map { $0 / total }).allSatisfy { abs($0 - $1) < 1e-15 })
    var projected = try MirrorSGD(
      divergence: EuclideanDivergence(set: try Box(dimension: 2, lower: -1, upper: 1)),
      schedule: StochasticStepSize.fixedHorizon(2, horizon: 4), start: [0.5, 0])
    try projected.step(gradient: [-2, 1])  // η = 1: [2.5, −1] clamped
    #expect(projected.point == [1, -1])
    #expect(
      Self.message {
        _ = try MirrorSGD(
          divergence: EntropicDivergence(simplex: simplex), schedule: StochasticStepSize.anytime(1),
          start: [1, 0, 0])
      }?.hasPrefix("MirrorSGD: start [1.0, 0.0, 0.0] is invalid: must have entries in (0, 1]")
        == true)
    #expect(
      Self.message { try eg.step(gradient: [0, 0]) }
        == "MirrorSGD: gradient has 2 entries, expected 3")
  }
}
