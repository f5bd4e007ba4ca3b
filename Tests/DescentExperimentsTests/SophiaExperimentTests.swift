import Foundation
import Testing

@testable import DescentExperiments

/// The quick Sophia experiment on two seeds it was not tuned on (the quick configurations are
/// the full run's picks on seed 0).
@Suite struct SophiaExperimentTests {
  @Test(arguments: [UInt64(11), 12])
  func quickRun(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "sophia", context: ExperimentContext(seed: seed, quick: true))
    #expect(result.criteria.count == 3)
    for criterion in result.criteria { #expect(criterion.measured.isFinite || !criterion.passed) }
  }
}
