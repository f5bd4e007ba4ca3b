import DescentExperiments
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite struct LastIterateExperimentTests {
  /// The quick run on two seeds not used while designing the experiment: every criterion holds,
  /// with the two figures.
  @Test(arguments: [11, 12] as [UInt64])
  func quickRunAcceptsTheClaim(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "last-iterate", context: ExperimentContext(seed: seed, quick: true))
    for criterion in result.criteria {
      #expect(criterion.passed, "seed \(seed): \(criterion.name) = \(criterion.measured)")
    }
    let accepted = result.accepted
    let criteria = result.criteria.count
    let figures = result.figures.count
    #expect(accepted)
    #expect(criteria == 5)
    #expect(figures == 2)
    #expect(result.runIds.isEmpty)
  }

  /// Same seed, same numbers at 1 and 2 threads; the JSON has the contract's keys and the
  /// report renders its 2 charts.
  @Test func isDeterministicAndEncodesTheContract() throws {
    try expectDeterministicContract(id: "last-iterate", figures: 2)
  }
}
