import Testing

@testable import DescentPrivacy

/// The noise search against Opacus 1.6's `get_noise_multiplier` and its own contract.
@Suite struct NoiseMultiplierSearchTests {
  /// The same σ as Opacus, bit for bit (both search the same dyadic points and compare ε values
  /// that agree to ~10⁻¹⁴), and the same refusal of a budget past σ = 10⁶.
  @Test func noiseMultiplierMatchesOpacus() throws {
    let golden = try PrivacyGolden.load()
    #expect(golden.noise.count >= 10)
    for record in golden.noise {
      if let expected = record.sigma {
        let sigma = try NoiseMultiplierSearch.noiseMultiplier(
          targetEpsilon: record.epsilon, delta: record.delta, sampleRate: record.q,
          steps: record.steps)
        #expect(sigma == expected, "\(record): σ \(sigma), Opacus \(expected)")
      } else {
        #expect(throws: PrivacyError.budgetTooSmall(target: record.epsilon, largestNoise: 1e6)) {
          try NoiseMultiplierSearch.noiseMultiplier(
            targetEpsilon: record.epsilon, delta: record.delta, sampleRate: record.q,
            steps: record.steps)
        }
      }
    }
  }

  /// The σ found meets the budget, within the tolerance below it; a larger budget never needs
  /// more noise.
  @Test func resultMeetsTheBudgetWithinTolerance() throws {
    var previous = Double.infinity
    for target in [0.5, 1.0, 2.0, 4.0, 8.0] {
      let sigma = try NoiseMultiplierSearch.noiseMultiplier(
        targetEpsilon: target, delta: 1e-5, sampleRate: 0.02, steps: 500)
      let epsilon = try RDPAccountant(
        phases: [PrivacyPhase(noiseMultiplier: sigma, sampleRate: 0.02, steps: 500)]
      ).epsilon(delta: 1e-5)
      #expect(epsilon <= target && target - epsilon <= 0.01, "target \(target): ε \(epsilon)")
      #expect(sigma <= previous)
      previous = sigma
    }
  }

  @Test func invalidParametersAreRefused() {
    #expect(throws: PrivacyError.targetEpsilon(0)) {
      try NoiseMultiplierSearch.noiseMultiplier(
        targetEpsilon: 0, delta: 1e-5, sampleRate: 0.01, steps: 10)
    }
    #expect(throws: PrivacyError.delta(1)) {
      try NoiseMultiplierSearch.noiseMultiplier(
        targetEpsilon: 1, delta: 1, sampleRate: 0.01, steps: 10)
    }
    #expect(throws: PrivacyError.sampleRate(0)) {
      try NoiseMultiplierSearch.noiseMultiplier(
        targetEpsilon: 1, delta: 1e-5, sampleRate: 0, steps: 10)
    }
    #expect(throws: PrivacyError.steps(0)) {
      try NoiseMultiplierSearch.noiseMultiplier(
        targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 0)
    }
  }

  /// Opacus' bisection never ends when σ → 0 keeps ε below the target (hostile-user run: a
  /// target of 1e308, a sample rate of 5e-324); here it ends with a σ that meets the target.
  @Test(arguments: [(1e308, 1e-5, 0.01, 100), (1.0, 0.999999, 4.9e-324, 1)])
  func aLooseTargetEndsWithANoiseThatMeetsIt(
    epsilon: Double, delta: Double, rate: Double, steps: Int
  ) throws {
    let sigma = try NoiseMultiplierSearch.noiseMultiplier(
      targetEpsilon: epsilon, delta: delta, sampleRate: rate, steps: steps)
    #expect(sigma > 0 && sigma.isFinite)
  }
}
