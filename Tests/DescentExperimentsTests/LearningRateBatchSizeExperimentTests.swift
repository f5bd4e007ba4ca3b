import Foundation
import Testing

@testable import DescentExperiments

/// The lr-batch experiment (Granziol, Zohren & Roberts, JMLR 2022) in its quick form on two seeds
/// it was not tuned on, and its choice of best and max usable learning rates.
@Suite(.serialized) struct LearningRateBatchSizeExperimentTests {
  @Test(arguments: [UInt64(11), 12]) func quickRunMeetsTheCriteria(seed: UInt64) throws {
    let findings = try LearningRateBatchSizeExperiment().run(
      ExperimentContext(seed: seed, quick: true))
    #expect(findings.criteria.count == 9)
    for criterion in findings.criteria {
      switch criterion.name {
      case "SGD max-usable-lr exponent: |α − BatchSizeScaling.linear (1)|":
        // Does not reproduce (docs/reproduce/lr-batch.md): the max usable SGD lr grows ≈ B^0.73
        // (seeds 0, 1, 11; 0.80 on seed 12), at the edge of the targets; what holds is super-√B
        // growth, α ≥ 0.6.
        #expect(criterion.measured <= 0.4, "seed \(seed): |α − 1| = \(criterion.measured)")
      case "SGD max-usable-lr exponent (digest)":
        #expect(criterion.measured >= 0.6, "seed \(seed): α = \(criterion.measured)")
      default:
        #expect(criterion.passed, "seed \(seed): \(criterion.name) = \(criterion.measured)")
      }
    }
    #expect(findings.figures.count == 2)
  }

  @Test func bestAndMaxUsableRates() {
    let log2Rates = [-2.0, -1.5, -1, -0.5, 0, 0.5]
    let choice = LearningRateBatchSizeExperiment.chooseRates(
      finalLosses: [0.40, 0.30, 0.20, 0.29, 0.31, .infinity], log2Rates: log2Rates)
    #expect(choice.best == -1)
    #expect(choice.usable == -0.5)
    let diverged = LearningRateBatchSizeExperiment.chooseRates(
      finalLosses: [.nan, .nan, .nan, .nan, .nan, .nan], log2Rates: log2Rates)
    #expect(diverged.best.isNaN && diverged.usable.isNaN)
  }
}
