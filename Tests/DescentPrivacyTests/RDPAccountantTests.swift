import Foundation
import Testing

@testable import DescentPrivacy

/// The accountant against Opacus 1.6 (Golden/privacy.json) and against the mathematics: ε to
/// 10⁻⁹ relative and the best order exactly, the per-order RDP, composition, monotonicity.
@Suite struct RDPAccountantTests {
  @Test func defaultOrdersAreOpacus() throws {
    let golden = try PrivacyGolden.load()
    #expect(golden.reference.hasPrefix("opacus 1.6"))
    #expect(RDPOrders.opacusDefault == golden.orders)
    #expect(RDPOrders.opacusDefault.count == 151)
  }

  /// Every (phases, δ) cell of the grid (σ 0.5…100, q 10⁻⁴…1, 1…10⁴ steps, heterogeneous
  /// histories): ε within 10⁻⁹ relative of Opacus and the same order.
  @Test func epsilonAndOrderMatchOpacus() throws {
    let golden = try PrivacyGolden.load()
    #expect(golden.epsilon.count > 200)
    var worst = 0.0
    for record in golden.epsilon {
      let phases = try record.phases.map {
        try PrivacyPhase(noiseMultiplier: $0[0], sampleRate: $0[1], steps: Int($0[2]))
      }
      let spent = try RDPAccountant(phases: phases).guarantee(delta: record.delta)
      worst = max(worst, abs(spent.epsilon - record.epsilon) / record.epsilon)
      #expect(
        relativelyClose(spent.epsilon, record.epsilon, 1e-9),
        "\(record.phases) δ=\(record.delta): ε \(spent.epsilon), Opacus \(record.epsilon)")
      #expect(spent.order == record.order, "\(record.phases) δ=\(record.delta)")
    }
    print("largest relative ε difference from Opacus: \(worst)")
  }

  /// One step's RDP at each of the 151 orders, integer and fractional. log A_α = (α − 1)·RDP
  /// agrees to 10⁻¹⁰ relative, or to 10⁻¹³ absolute where it is near 0 (small q): both sum up to
  /// ~10⁴ terms in log space around log A_α ≈ 0, each sum rounding to ~10⁻¹⁶ absolute, and the
  /// terms past i = 20 use different (equally accurate) binomial coefficients.
  @Test func perOrderRDPMatchesOpacus() throws {
    let golden = try PrivacyGolden.load()
    var worstRelative = 0.0
    for record in golden.rdp {
      for (k, alpha) in golden.orders.enumerated() {
        let value = SampledGaussianRDP.rdp(
          order: alpha, sampleRate: record.q, noiseMultiplier: record.sigma)
        let reference = record.rdp[k]
        let logA = (alpha - 1) * value
        let referenceLogA = (alpha - 1) * reference
        worstRelative = max(worstRelative, abs(value - reference) / abs(reference))
        #expect(
          abs(logA - referenceLogA) <= 1e-10 * abs(referenceLogA) + 1e-13,
          "σ=\(record.sigma) q=\(record.q) α=\(alpha): \(value), Opacus \(reference)")
      }
    }
    print("largest relative per-order RDP difference from Opacus: \(worstRelative)")
  }

  /// q = 1 is the plain Gaussian mechanism, α/(2σ²) per step, and (ε, δ) follows from the
  /// conversion formula by hand.
  @Test func fullSamplingIsTheGaussianMechanism() throws {
    let sigma = 2.0
    for alpha in [1.5, 2.0, 7.0, 40.0] {
      #expect(
        SampledGaussianRDP.rdp(order: alpha, sampleRate: 1, noiseMultiplier: sigma)
          == alpha / 8)
    }
    let accountant = try RDPAccountant(
      phases: [PrivacyPhase(noiseMultiplier: sigma, sampleRate: 1, steps: 10)], orders: [3])
    let expected = 10 * 3.0 / 8 - (log(1e-5) + log(3.0)) / 2 + log(2.0 / 3)
    #expect(abs(try accountant.epsilon(delta: 1e-5) - expected) < 1e-12)
  }

  /// Integer orders: the binomial sum equals a direct evaluation of
  /// A_α = Σᵢ C(α,i)(1−q)^(α−i) qⁱ exp((i²−i)/(2σ²)) in ordinary arithmetic.
  @Test func integerOrderSumMatchesDirectEvaluation() {
    for (q, sigma) in [(0.1, 1.0), (0.3, 2.0), (0.01, 0.7)] {
      for alpha in [2, 3, 8, 20] {
        var a = 0.0
        for i in 0...alpha {
          a +=
            SampledGaussianRDP.binomial(Double(alpha), i) * pow(1 - q, Double(alpha - i))
            * pow(q, Double(i)) * exp(Double(i * i - i) / (2 * sigma * sigma))
        }
        let expected = log(a) / Double(alpha - 1)
        let value = SampledGaussianRDP.rdp(
          order: Double(alpha), sampleRate: q, noiseMultiplier: sigma)
        #expect(abs(value - expected) <= 1e-12 * expected, "q=\(q) σ=\(sigma) α=\(alpha)")
      }
    }
  }

  /// Fractional orders: the series equals A_α = E_{z∼N(0,σ²)}[((1−q) + q·e^((2z−1)/(2σ²)))^α]
  /// integrated numerically (composite Simpson over [−12σ, α + 12σ]: the integrand's mass lies
  /// between the two Gaussians' means, 0 and up to α).
  @Test func fractionalOrderSeriesMatchesNumericalIntegration() {
    for (q, sigma) in [(0.05, 1.0), (0.2, 2.0), (0.01, 0.8)] {
      for alpha in [1.3, 2.5, 6.7] {
        let n = 40_000
        let lower = -12 * sigma
        let h = (alpha + 24 * sigma) / Double(n)
        var total = 0.0
        for k in 0...n {
          let z = lower + Double(k) * h
          let density = exp(-z * z / (2 * sigma * sigma)) / (sigma * (2 * Double.pi).squareRoot())
          let ratio = (1 - q) + q * exp((2 * z - 1) / (2 * sigma * sigma))
          let weight = k == 0 || k == n ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0)
          total += weight * density * pow(ratio, alpha)
        }
        let expected = log(total * h / 3) / (alpha - 1)
        let value = SampledGaussianRDP.rdp(order: alpha, sampleRate: q, noiseMultiplier: sigma)
        // 10⁻¹² absolute: the rounding of log(Σ ≈ 1) over 40 000 Simpson terms.
        #expect(abs(value - expected) <= 1e-9 * expected + 1e-12, "q=\(q) σ=\(sigma) α=\(alpha)")
      }
    }
  }

  /// Composition adds RDP curves: two phases give the sum of their curves; the same (σ, q)
  /// recorded step by step merges into one phase with the same ε as the whole phase.
  @Test func compositionAddsAndMergesSteps() throws {
    let a = try PrivacyPhase(noiseMultiplier: 1.0, sampleRate: 0.01, steps: 300)
    let b = try PrivacyPhase(noiseMultiplier: 2.0, sampleRate: 0.05, steps: 100)
    let both = try RDPAccountant(phases: [a, b])
    let sum = zip(try RDPAccountant(phases: [a]).rdp(), try RDPAccountant(phases: [b]).rdp())
      .map { $0 + $1 }
    #expect(both.rdp() == sum)
    var stepwise = try RDPAccountant()
    for _ in 0..<50 { try stepwise.step(noiseMultiplier: 1.1, sampleRate: 0.02) }
    #expect(stepwise.phases.count == 1 && stepwise.phases[0].steps == 50)
    let whole = try RDPAccountant(
      phases: [PrivacyPhase(noiseMultiplier: 1.1, sampleRate: 0.02, steps: 50)])
    #expect(try stepwise.epsilon(delta: 1e-5) == whole.epsilon(delta: 1e-5))
    try stepwise.step(noiseMultiplier: 0.9, sampleRate: 0.02)
    #expect(stepwise.phases.count == 2)
    #expect(try RDPAccountant().guarantee(delta: 1e-5) == PrivacyGuarantee(epsilon: 0, order: nil))
  }

  /// ε grows with the steps and the sample rate, falls with the noise and with δ.
  @Test func epsilonIsMonotone() throws {
    func epsilon(_ sigma: Double, _ q: Double, _ steps: Int, _ delta: Double) throws -> Double {
      try RDPAccountant(
        phases: [PrivacyPhase(noiseMultiplier: sigma, sampleRate: q, steps: steps)]
      ).epsilon(delta: delta)
    }
    var previous = 0.0
    for steps in [1, 10, 100, 1000, 10000] {
      let e = try epsilon(1.0, 0.01, steps, 1e-5)
      #expect(e > previous)
      previous = e
    }
    previous = .infinity
    for sigma in [0.6, 0.8, 1.0, 1.5, 3.0, 10.0] {
      let e = try epsilon(sigma, 0.01, 1000, 1e-5)
      #expect(e < previous)
      previous = e
    }
    previous = 0
    for q in [1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0] {
      let e = try epsilon(1.0, q, 100, 1e-5)
      #expect(e > previous)
      previous = e
    }
    previous = .infinity
    for delta in [1e-10, 1e-7, 1e-5, 1e-3, 0.1] {
      let e = try epsilon(1.0, 0.01, 1000, delta)
      #expect(e < previous)
      previous = e
    }
  }

  /// The conversion keeps the first of equal bounds, skips NaN, and gives (+∞, nil) when all
  /// are NaN; the edge test names the list's ends.
  @Test func conversionEdgeCases() {
    let orders = [2.0, 3.0]
    let nan = RDPConversion.guarantee(orders: orders, rdp: [.nan, .nan], delta: 1e-5)
    #expect(nan.epsilon == .infinity && nan.order == nil)
    let oneNaN = RDPConversion.guarantee(orders: orders, rdp: [.nan, 1], delta: 1e-5)
    #expect(oneNaN.order == 3)
    let infinite = RDPConversion.guarantee(orders: orders, rdp: [.infinity, .infinity], delta: 0.1)
    #expect(infinite.epsilon == .infinity && infinite.order == 2)
    #expect(infinite.isAtEdge(of: orders))
    #expect(SampledGaussianRDP.rdp(order: 2, sampleRate: 0, noiseMultiplier: 1) == 0)
    #expect(SampledGaussianRDP.rdp(order: 2, sampleRate: 0.1, noiseMultiplier: 0) == .infinity)
  }

  /// A σ so small that the series' exponents overflow (where Opacus raises) gives ε = +∞ at
  /// every order rather than a crash or an endless series; just above, ε is huge and finite.
  @Test func vanishingNoiseGivesInfiniteEpsilon() throws {
    for sigma in [1e-160, 1e-200, Double.leastNonzeroMagnitude] {
      for alpha in [1.1, 2.0, 2.5, 63.0] {
        #expect(
          SampledGaussianRDP.rdp(order: alpha, sampleRate: 0.01, noiseMultiplier: sigma)
            == .infinity, "σ=\(sigma) α=\(alpha)")
      }
      let spent = try RDPAccountant(
        phases: [PrivacyPhase(noiseMultiplier: sigma, sampleRate: 0.01, steps: 10)]
      ).guarantee(delta: 1e-5)
      #expect(spent.epsilon == .infinity)
    }
    let small = try RDPAccountant(
      phases: [PrivacyPhase(noiseMultiplier: 1e-10, sampleRate: 0.01, steps: 10)]
    ).epsilon(delta: 1e-5)
    #expect(small.isFinite && small > 1e20)
  }

  /// Steps of one (σ, q) whose count would overflow `Int` stay two phases with the same sum.
  @Test func mergingNeverOverflowsTheStepCount() throws {
    let huge = try PrivacyPhase(noiseMultiplier: 1, sampleRate: 0.1, steps: Int.max)
    let accountant = try RDPAccountant(phases: [huge, huge])
    #expect(accountant.phases.count == 2)
    #expect(accountant.rdp() == huge.rdp(orders: accountant.orders).map { $0 + $0 })
  }

  /// log erfc is continuous where it switches from `erfc` to the asymptotic series.
  @Test func logErfcIsAccurateAcrossItsSwitch() {
    let below = LogSpace.logErfc(19.999999)
    let above = LogSpace.logErfc(20)
    #expect(abs(below - above - (-(19.999999 * 19.999999) + 400 + log(20 / 19.999999))) < 1e-9)
    #expect(abs(LogSpace.logErfc(20) - log(erfc(20))) < 1e-12 * abs(log(erfc(20))))
    #expect(LogSpace.logErfc(300).isFinite)
    #expect(abs(LogSpace.logErfc(-3) - log(erfc(-3))) < 1e-15)
  }
}
