import Descent
import DescentExperiments
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite struct SNNKExperimentTests {
  /// The quick run on two seeds not used while designing the experiment. The kernel estimate,
  /// the orthogonal features' lower variance and bundling hold; the model criterion does not:
  /// 32 random features of a 64-dimensional input lose most of the class information, so the
  /// SNNK network trails the dense one by far more than 2 pp (docs/reproduce/snnk.md). The test
  /// pins that it fails by a wide margin, so a change that closes the gap shows up here.
  @Test(arguments: [11, 12] as [UInt64])
  func quickRunMeasuresTheClaim(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "snnk", context: ExperimentContext(seed: seed, quick: true))
    let criteria = result.criteria
    try #require(criteria.count == 4)
    #expect(criteria[0].passed, "kernel error \(criteria[0].measured)")
    #expect(criteria[1].passed, "variance ratio \(criteria[1].measured)")
    #expect(!criteria[2].passed && criteria[2].measured > 10, "gap \(criteria[2].measured) pp")
    #expect(criteria[3].passed, "bundling difference \(criteria[3].measured)")
    #expect(!result.accepted)
    #expect(result.figures.count == 1)
    let html = ReproductionReport(results: [result]).html()
    _ = try XMLDocument(xmlString: html)
  }
}
