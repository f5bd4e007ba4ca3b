import DescentExperiments
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite struct NeuralTangentKernelExperimentTests {
  /// The quick run on two seeds not used while designing the experiment: every criterion holds,
  /// with both figures; same seed, same numbers; the report is valid XML.
  @Test(arguments: [11, 12] as [UInt64])
  func quickRunAcceptsTheClaim(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "ntk", context: ExperimentContext(seed: seed, quick: true))
    for criterion in result.criteria {
      #expect(criterion.passed, "seed \(seed): \(criterion.name) = \(criterion.measured)")
    }
    let accepted = result.accepted
    let criteria = result.criteria.count
    #expect(accepted)
    #expect(criteria == 4)
    #expect(result.figures.count == 2)
    let html = ReproductionReport(results: [result]).html()
    #expect(html.components(separatedBy: "<svg").count - 1 == 2)
    _ = try XMLDocument(xmlString: html)
    if seed == 11 {
      let again = try ExperimentCatalogue.run(
        id: "ntk", context: ExperimentContext(seed: seed, quick: true))
      #expect(again.criteria == result.criteria)
    }
  }
}
