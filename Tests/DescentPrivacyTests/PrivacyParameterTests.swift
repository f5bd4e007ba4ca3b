import Testing

@testable import DescentPrivacy

/// Invalid privacy parameters are thrown errors of one line naming the value and the range.
@Suite struct PrivacyParameterTests {
  @Test func phasesRefuseParametersOutsideTheirRanges() {
    for sigma in [0.0, -1, .nan, .infinity] {
      #expect(throws: PrivacyError.self) {
        try PrivacyPhase(noiseMultiplier: sigma, sampleRate: 0.1, steps: 1)
      }
    }
    for q in [0.0, -0.1, 1.000001, .nan] {
      #expect(throws: PrivacyError.self) {
        try PrivacyPhase(noiseMultiplier: 1, sampleRate: q, steps: 1)
      }
    }
    #expect(throws: PrivacyError.steps(0)) {
      try PrivacyPhase(noiseMultiplier: 1, sampleRate: 0.1, steps: 0)
    }
    #expect(throws: Never.self) { try PrivacyPhase(noiseMultiplier: 1, sampleRate: 1, steps: 1) }
  }

  @Test func deltaAndOrdersAreChecked() throws {
    let accountant = try RDPAccountant(
      phases: [PrivacyPhase(noiseMultiplier: 1, sampleRate: 0.1, steps: 1)])
    for delta in [0.0, 1.0, -1e-5, .nan] {
      #expect(throws: PrivacyError.self) { try accountant.guarantee(delta: delta) }
    }
    #expect(throws: PrivacyError.noOrders) { try RDPAccountant(orders: []) }
    #expect(throws: PrivacyError.order(1)) { try RDPAccountant(orders: [2, 1]) }
    #expect(throws: PrivacyError.order(.infinity)) { try RDPAccountant(orders: [.infinity]) }
  }

  @Test func messagesAreOneLineNamingValueAndRange() {
    let errors: [PrivacyError] = [
      .noiseMultiplier(-1), .sampleRate(1.5), .delta(0), .steps(0), .targetEpsilon(-2),
      .order(0.5), .noOrders, .clippingNorm(0), .budgetTooSmall(target: 1e-9, largestNoise: 1e6),
    ]
    for error in errors {
      #expect(!error.description.contains("\n"))
    }
    #expect(PrivacyError.sampleRate(1.5).description == "sample rate 1.5: must be in (0, 1]")
    #expect(PrivacyError.delta(0).description == "delta 0.0: must be in (0, 1)")
    #expect(
      PrivacyError.noiseMultiplier(-1).description
        == "noise multiplier -1.0: must be a finite number > 0")
  }
}
