import DescentExperiments
import Foundation
import Testing

/// Wu and Su (ICML 2023): the quick experiment on two seeds it was not tuned on.
@Suite struct StabilityExperimentTests {
  /// Seed 12: every SGD run converges within the quick budget and every criterion holds.
  @Test func quickRunOnSeed12MeetsEveryCriterion() throws {
    let result = try ExperimentCatalogue.run(
      id: "stability", context: ExperimentContext(seed: 12, quick: true))
    #expect(result.criteria.count == 4)
    for criterion in result.criteria {
      #expect(criterion.passed, "\(criterion.name) = \(criterion.measured), \(criterion.target)")
    }
    #expect(result.accepted)
    #expect(result.figures.count == 2)
  }

  /// Seed 11 is an ill-conditioned instance: SGD's loss decays too slowly for the quick budget
  /// (20,000 steps; docs/reproduce/stability.md), so no SGD run counts as converged and the three
  /// SGD criteria have nothing to measure (NaN, failed). What holds: GD's λmax bound, and the
  /// notes say why the others were not judged.
  @Test func quickRunOnSeed11FailsOnlyForWantOfConvergence() throws {
    let result = try ExperimentCatalogue.run(
      id: "stability", context: ExperimentContext(seed: 11, quick: true))
    #expect(result.criteria.count == 4)
    #expect(result.criteria[1].passed, "GD λmax / (2/η) = \(result.criteria[1].measured)")
    #expect(result.criteria[0].measured.isNaN && result.criteria[2].measured.isNaN)
    #expect(!result.accepted)
    #expect(result.notes.first?.contains("SGD: 0 of 3 runs converged") == true)
  }
}
