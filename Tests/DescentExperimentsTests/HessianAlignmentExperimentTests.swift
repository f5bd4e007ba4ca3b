import Descent
import DescentExperiments
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The quick hessian-alignment experiment on two seeds it was not designed on.
///
/// The headline claim does not reproduce at this scale (docs/reproduce/hessian-alignment.md):
/// within the script's 500 steps HGP moves from the colour towards the core features but does not
/// reach 60% test accuracy (the full run: 10 restarts, 5000 examples per environment). The test
/// asserts that the experiment reports this failure, and what holds: HGP's test accuracy is above
/// ERM's, ERM relies on the colour (test accuracy below 50%), and the head identities (criteria 2
/// and 3) hold to their tolerances.
@Suite struct HessianAlignmentExperimentTests {
  @Test(arguments: [11, 12] as [UInt64])
  func quickRun(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "hessian-alignment", context: ExperimentContext(seed: seed, quick: true))
    #expect(result.criteria.count == 5)
    #expect(result.figures.count == 2)
    #expect(result.runIds.isEmpty)
    #expect(!result.accepted)
    let (gain, accuracy) = (result.criteria[0], result.criteria[1])
    // The failed criterion: HGP's mean test accuracy stays below 60%.
    #expect(!accuracy.passed && accuracy.measured > 0 && accuracy.measured < 60)
    // What holds: HGP beats ERM on the test environment, and ERM follows the colour.
    #expect(gain.measured > 0, "seed \(seed): HGP - ERM = \(gain.measured) points")
    #expect(accuracy.measured - gain.measured < 50)
    for criterion in result.criteria[2...] {
      #expect(criterion.passed, "seed \(seed): \(criterion.name) = \(criterion.measured)")
    }
    #expect(result.criteria[2].measured < 1e-12 && result.criteria[3].measured < 1e-12)
  }

  /// Same seed, same numbers at 1 and 2 threads; the JSON has the contract's keys and the
  /// report renders its 2 charts.
  @Test func isDeterministicAndEncodesTheContract() throws {
    try expectDeterministicContract(id: "hessian-alignment", figures: 2)
  }
}
