import Descent
import DescentOptimizers
import DescentRuns
import Foundation
import Testing

@testable import DescentTraining

@Suite struct ComparisonTests {
  func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("descent-compare-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  func comparison(in folder: URL) -> Comparison {
    var base = TrainingConfiguration()
    base.data = "iris"
    base.steps = 24
    base.batchSize = 16
    return Comparison(
      base: base, optimizers: ["sgd", "adam"], seeds: [0, 1],
      storePath: folder.appendingPathComponent("runs.sqlite").path,
      reportPath: folder.appendingPathComponent("report.html").path,
      checkpointDirectory: folder.appendingPathComponent("checkpoints").path)
  }

  @Test func runsEveryOptimizerAndSeedIntoOneGroupAndReport() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var lines: [String] = []
    let result = try comparison(in: folder).run { lines.append($0) }
    #expect(result.runIDs.count == 4)
    #expect(lines.count == 4)
    let store = try RunStore(path: result.storePath)
    let runs = try store.listRuns(groupID: result.groupID)
    #expect(runs.count == 4)
    #expect(Set(runs.map(\.optimizer)) == ["sgd", "adam"])
    #expect(runs.allSatisfy { $0.status == .finished })
    for id in result.runIDs {
      let data = try store.runData(id: id)
      #expect(data.metrics.count == 24)
      #expect(!data.evaluations.isEmpty)
      #expect(FileManager.default.fileExists(atPath: try #require(data.run.checkpointPath)))
    }
    #expect(result.table.rows.map(\.optimizer).sorted() == ["adam", "sgd"])
    #expect(result.table.rows.allSatisfy { $0.seeds == 2 && $0.finalLossMean != nil })
    #expect(result.table.text.contains("adam") && result.table.text.contains("sgd"))
    let html = try String(contentsOfFile: try #require(result.reportPath), encoding: .utf8)
    #expect(html.contains("<svg"))
    #expect(html.contains("adam") && html.contains("sgd"))
  }

  @Test func sameSeedsGiveTheSameParameters() throws {
    let first = try temporaryFolder()
    let second = try temporaryFolder()
    defer {
      try? FileManager.default.removeItem(at: first)
      try? FileManager.default.removeItem(at: second)
    }
    let a = try comparison(in: first).run()
    let b = try withThreadsForTest(1) { try comparison(in: second).run() }
    #expect(a.summaries.map(\.finalParametersSHA256) == b.summaries.map(\.finalParametersSHA256))
  }

  @Test func unknownOptimizerIsAUsageErrorBeforeAnythingRuns() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var bad = comparison(in: folder)
    bad.optimizers = ["adam", "adamm"]
    #expect(throws: TrainingError.self) { try bad.run() }
    #expect(!FileManager.default.fileExists(atPath: bad.storePath))
  }

  @Test func defaultJobUsesWorkingLearningRates() {
    let c = Comparison()
    #expect(c.seeds == [0, 1, 2])
    for name in c.optimizers {
      #expect(Comparison.defaultLearningRates[name] != nil, "no default learning rate for \(name)")
    }
    #expect(c.configuration(optimizer: "sgd", seed: 1).settings["momentum"] == "0.9")
  }

  /// The default comparison runs every first-order optimizer and says why it leaves out each
  /// other catalogue entry.
  @Test func defaultComparisonAccountsForEveryCatalogueEntry() {
    let run = Set(Comparison().optimizers)
    let leftOut = Comparison.leftOutByDefault
    #expect(run == Set(OptimizerCatalogue.names))
    #expect(run.isDisjoint(with: leftOut.map(\.name)))
    // Built-in entries (another suite may register one at run time meanwhile).
    #expect(Set(OptimizerCatalogue.builtIn.map(\.name)).isSubset(of: run.union(leftOut.map(\.name))))
    #expect(leftOut.allSatisfy { !$0.reason.isEmpty })
  }
}

/// The comparison's trainers run on the configuration's thread count; this varies it from outside.
func withThreadsForTest<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
  try Descent.withThreads(threads, body)
}
