import DescentExperiments
import DescentRuns
import Foundation
import Testing

@Suite struct InContextLearningExperimentTests {
  /// The quick run on two seeds not used while designing the experiment: every criterion holds,
  /// and the figures are there.
  @Test(arguments: [11, 12] as [UInt64])
  func quickRunAcceptsTheClaim(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "icl-one-step", context: ExperimentContext(seed: seed, quick: true))
    for criterion in result.criteria {
      #expect(criterion.passed, "seed \(seed): \(criterion.name) = \(criterion.measured)")
    }
    let accepted = result.accepted, criteria = result.criteria.count
    let figures = result.figures.count
    #expect(accepted && criteria == 4 && figures == 2)
  }

  /// Both training runs go into the run store, and the JSON has the contract's keys.
  @Test func recordsItsTrainingRuns() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("icl-\(UUID().uuidString).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try RunStore(path: path)
    let recorder = try ExperimentRecorder(
      store: store, experimentID: "icl-one-step", seed: 13, quick: true)
    let result = try ExperimentCatalogue.run(
      id: "icl-one-step", context: ExperimentContext(seed: 13, quick: true, recorder: recorder))
    #expect(result.runIds.count == 2)
    let runs = try store.listRuns(groupID: recorder.group.id)
    #expect(runs.count == 2 && runs.allSatisfy { $0.status == .finished })
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.json().utf8)) as? [String: Any])
    #expect(object["id"] as? String == "icl-one-step")
    #expect((object["criteria"] as? [[String: Any]])?.count == 4)
  }
}
