import DescentExperiments
import Testing

/// The 8-bit optimizers experiment (Dettmers et al., ICLR 2022) in its quick form on two seeds
/// it was not tuned on: every criterion holds.
@Suite("8bit experiment (quick)")
struct EightBitOptimizersExperimentTests {
  @Test("quick run: every criterion passes", arguments: [UInt64(11), 12])
  func quick(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "8bit", context: ExperimentContext(seed: seed, quick: true))
    #expect(result.criteria.count == 11)
    for criterion in result.criteria {
      #expect(
        criterion.passed,
        "seed \(seed): \(criterion.name) = \(criterion.measured), target \(criterion.target)")
    }
    #expect(result.accepted)
    #expect(result.figures.count == 4)
  }
}
