import Descent
import DescentExperiments
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The checks every experiment's quick run owes the `descent reproduce` contract
/// (docs/reproduce.md): the same seed gives the same measurements bit for bit and the same notes
/// at 1 and 2 threads; the JSON has exactly the contract's keys, each criterion `name`,
/// `measured`, `target`, `passed`; the report holds `figures` charts and is well-formed XML.
func expectDeterministicContract(id: String, seed: UInt64 = 13, figures: Int) throws {
  let first = try withThreads(1) {
    try ExperimentCatalogue.run(id: id, context: ExperimentContext(seed: seed, quick: true))
  }
  let second = try withThreads(2) {
    try ExperimentCatalogue.run(id: id, context: ExperimentContext(seed: seed, quick: true))
  }
  #expect(first.criteria.count == second.criteria.count, "\(id)")
  for (a, b) in zip(first.criteria, second.criteria) {
    #expect(
      a.measured.bitPattern == b.measured.bitPattern,
      "\(id) \(a.name): \(a.measured) vs \(b.measured)")
  }
  #expect(first.notes == second.notes, "\(id)")
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(first.json().utf8)) as? [String: Any])
  #expect(
    Set(object.keys) == [
      "id", "title", "claim", "method", "quickDifferences", "seed", "quick", "seconds",
      "criteria", "accepted", "notes", "runIds",
    ], "\(id)")
  let criteria = try #require(object["criteria"] as? [[String: Any]])
  #expect(criteria.allSatisfy { Set($0.keys) == ["name", "measured", "target", "passed"] })
  let html = ReproductionReport(results: [first]).html()
  #expect(html.components(separatedBy: "<svg").count - 1 == figures, "\(id)")
  _ = try XMLDocument(xmlString: html)
}
