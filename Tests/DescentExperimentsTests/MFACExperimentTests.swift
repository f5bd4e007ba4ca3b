import DescentExperiments
import Testing

/// The mfac experiment in its quick form on two seeds it was not set up on (11 and 12).
///
/// What holds: OBS pruning with M-FAC's inverse Fisher and the compensating update beats
/// magnitude pruning by far at 90 % sparsity (measured +39 and +23 percentage points), and is
/// within noise of it at 50 % and 70 % (measured −0.3 … +0.7 and −1 … −1 points, i.e. one to three
/// of the 300 test images). What does not reproduce (docs/reproduce/mfac.md says why): M-FAC's
/// test loss is 3.0–3.3× the best of tuned SGD and Adam, not within 5 %; and OBS ≥ magnitude at
/// 50 % fails on both seeds (and at 70 % on seed 12) by that noise-level margin. These tests assert
/// what holds and that the failures stay as documented (finite, bounded), not that they pass.
@Suite struct MFACExperimentTests {
  @Test(arguments: [UInt64(11), 12]) func quickRunOnAnUntunedSeed(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "mfac", context: ExperimentContext(seed: seed, quick: true))
    let criteria = result.criteria
    #expect(criteria.count == 4)
    // The optimizer: a finite test loss, a few times the tuned first-order optimizers'.
    #expect(criteria[0].measured.isFinite && criteria[0].measured > 0)
    #expect(criteria[0].measured <= 6, "\(criteria[0])")
    // Pruning: at 90 % the criterion passes, with a wide margin.
    #expect(criteria[3].passed, "\(criteria[3])")
    #expect(criteria[3].measured >= 10, "\(criteria[3])")
    // At 50 % and 70 %: within 1.5 points (≈ 4 test images) of magnitude pruning.
    for criterion in criteria[1...2] {
      #expect(criterion.measured >= -1.5, "\(criterion)")
    }
    #expect(result.figures.count == 2)
    #expect(result.figures.allSatisfy { !$0.chart.series.isEmpty })
  }
}
