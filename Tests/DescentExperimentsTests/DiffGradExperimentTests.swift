import DescentExperiments
import DescentRuns
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite struct DiffGradExperimentTests {
  /// The quick run on two seeds not used while designing the experiment: every criterion holds,
  /// the synthetic-function criteria do not depend on the seed, and the figures are there.
  @Test(arguments: [11, 12] as [UInt64])
  func quickRunAcceptsTheClaim(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "diffgrad", context: ExperimentContext(seed: seed, quick: true))
    for criterion in result.criteria {
      #expect(criterion.passed, "seed \(seed): \(criterion.name) = \(criterion.measured)")
    }
    let accepted = result.accepted, criteria = result.criteria.count
    let figures = result.figures.count, f1 = result.criteria[0].measured
    #expect(accepted)
    #expect(criteria == 5)
    #expect(figures == 4)
    #expect(f1 < 1e-3)
  }

  /// Runs that train go into the run store under one group, and the JSON has the contract's keys.
  @Test func recordsItsTrainingRunsAndEncodesTheContract() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("diffgrad-\(UUID().uuidString).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try RunStore(path: path)
    let recorder = try ExperimentRecorder(
      store: store, experimentID: "diffgrad", seed: 13, quick: true)
    let result = try ExperimentCatalogue.run(
      id: "diffgrad", context: ExperimentContext(seed: 13, quick: true, recorder: recorder))
    #expect(result.runIds.count == 4)
    let runs = try store.listRuns(groupID: recorder.group.id)
    #expect(runs.count == 4 && runs.allSatisfy { $0.status == .finished })
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.json().utf8)) as? [String: Any])
    #expect(
      Set(object.keys) == [
        "id", "title", "claim", "method", "quickDifferences", "seed", "quick", "seconds",
        "criteria", "accepted", "notes", "runIds",
      ])
    let criteria = try #require(object["criteria"] as? [[String: Any]])
    #expect(criteria.allSatisfy { Set($0.keys) == ["name", "measured", "target", "passed"] })
    let html = ReproductionReport(results: [result]).html()
    #expect(html.contains("<svg") && html.contains("diffgrad-f1"))
    _ = try XMLDocument(xmlString: html)
  }
}
