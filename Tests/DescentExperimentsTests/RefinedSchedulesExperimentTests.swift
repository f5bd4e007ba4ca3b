import DescentExperiments
import Foundation
import Testing

/// The quick refined-schedules experiment on two seeds it was not tuned on (11 and 12).
///
/// What reproduces on both seeds and is asserted: linear decay ≤ step decay (+1e-4) on the
/// logistic suite and the MLP, linear ≤ cosine (+1e-4) on the MLP, constant norms giving exactly
/// linear decay, and the automatic warm-up. What does not (docs/reproduce/refined-schedules.md):
/// linear ≤ cosine on ≥ 70 % of the logistic cases (measured 62.5 % on both seeds: the two tie
/// to within a few hundredths of a percent, cosine slightly ahead), refined ≤ linear on ≥ 60 %
/// (25 % logistic, 0 % MLP: the warm-up that large early norms produce costs more than it gains
/// on these problems), and fast annealing on every rising-tail run (seed 11: 4 of 6). For those
/// the test asserts what does hold.
@Suite(.serialized) struct RefinedSchedulesExperimentTests {
  static func criteria(seed: UInt64) throws -> [String: Criterion] {
    let experiment = try #require(ExperimentCatalogue.experiment(id: "refined-schedules"))
    let findings = try experiment.run(ExperimentContext(seed: seed, quick: true))
    #expect(findings.criteria.count == 9)
    #expect(findings.figures.count == 3)
    return Dictionary(uniqueKeysWithValues: findings.criteria.map { ($0.name, $0) })
  }

  static func find(_ criteria: [String: Criterion], _ prefix: String) throws -> Criterion {
    try #require(criteria.first { $0.key.hasPrefix(prefix) }?.value, "no criterion \(prefix)")
  }

  @Test(arguments: [UInt64(11), 12])
  func quickRunReproducesWhatHolds(seed: UInt64) throws {
    let criteria = try Self.criteria(seed: seed)
    for prefix in [
      "logistic suite: share of cases with linear <= step",
      "MLP: share of instances with linear <= cosine",
      "MLP: share of instances with linear <= step",
      "constant norms", "warm-up",
    ] {
      let criterion = try Self.find(criteria, prefix)
      #expect(criterion.passed, "\(criterion.name): \(criterion.measured) \(criterion.target)")
    }
    // Linear decay matches or beats cosine in most logistic cases, if not in 70 % of them.
    let cosine = try Self.find(criteria, "logistic suite: share of cases with linear <= cosine")
    #expect(cosine.measured >= 0.5)
    // The refined-versus-linear shares are measured (not NaN), whatever they come to.
    for prefix in [
      "logistic suite: share of cases with refined", "MLP: share of instances with refined",
    ] {
      let criterion = try Self.find(criteria, prefix)
      #expect(criterion.measured >= 0 && criterion.measured <= 1)
    }
    // Most runs with a rising norm tail anneal faster than linear over the final tenth.
    let annealing = try Self.find(criteria, "fast annealing")
    #expect(annealing.measured >= 0.5)
  }
}
