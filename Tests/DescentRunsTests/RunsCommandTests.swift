import Foundation
import GRDB
import Testing

@testable import DescentRuns

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A store with four fabricated runs, as `descent train`/`compare` would leave them:
/// - `adam1`, `adam2`: adam seeds 1 and 2, started in the same minute (their ids share the prefix
///   `r-20260101-0000`), finished; `adam1` has a NaN loss at step 3 and an evaluation at step 12
///   past its last metric (step 9);
/// - `sgd`: failed, started at 00:05;
/// - `stale`: started at 00:10 by a process that is gone, still marked running.
struct FabricatedStore {
  let folder = TemporaryFolder()
  let store: RunStore
  let adam1: RunRecord
  let adam2: RunRecord
  let sgd: RunRecord
  let stale: RunRecord
  static let deadProcessID: Int32 = 999_999

  init() throws {
    store = try RunStore(path: folder.file("runs.sqlite"))
    func start(_ minute: Int) -> Date {
      Date(timeIntervalSince1970: 1_767_225_600 + Double(60 * minute))  // 2026-01-01 00:MM UTC
    }
    func metrics(rate: Double) -> [MetricPoint] {
      (0..<10).map { step in
        MetricPoint(
          step: step, epoch: step / 5, seconds: 0.5 * Double(step),
          trainLoss: step == 3 && rate == 1 ? .nan : 2 / (1 + rate * Double(step)),
          learningRate: 0.01)
      }
    }
    let a1 = try store.createRun(sampleRun(optimizer: "adam", seed: 1), startedAt: start(0))
    try store.appendMetrics(runID: a1.id, metrics(rate: 1))
    try store.recordEvaluation(runID: a1.id, EvaluationPoint(step: 5, loss: 0.5, accuracy: 0.75))
    try store.recordEvaluation(runID: a1.id, EvaluationPoint(step: 12, loss: 0.25, accuracy: 0.875))
    try store.finishRun(
      id: a1.id, summary: RunSummary(finalLoss: 0.2, finalAccuracy: 0.875, steps: 10, seconds: 4.5))

    let a2 = try store.createRun(sampleRun(optimizer: "adam", seed: 2), startedAt: start(0))
    try store.appendMetrics(runID: a2.id, metrics(rate: 0.9))
    try store.finishRun(id: a2.id, summary: RunSummary(finalLoss: 0.22, steps: 10))

    let s = try store.createRun(sampleRun(optimizer: "sgd", seed: 1), startedAt: start(5))
    try store.appendMetrics(runID: s.id, metrics(rate: 0.3))
    try store.failRun(id: s.id, message: "loss became NaN at step 10")

    var staleRun = sampleRun(optimizer: "sgd", seed: 2)
    staleRun.processID = Self.deadProcessID
    staleRun.processStartTime = nil
    let st = try store.createRun(staleRun, startedAt: start(10))
    try store.appendMetrics(runID: st.id, Array(metrics(rate: 0.2).prefix(4)))

    adam1 = try store.run(id: a1.id)
    adam2 = try store.run(id: a2.id)
    sgd = try store.run(id: s.id)
    stale = try store.run(id: st.id)
  }

  /// Only the fabricated dead process is gone.
  static func isAlive(_ pid: Int32, _ startTime: Int64?) -> Bool { pid != deadProcessID }
}

func jsonObject(_ text: String) throws -> Any {
  try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

@Suite("Runs commands")
struct RunsCommandTests {
  @Test func listMarksStaleRunsInterruptedAndFiltersByStatus() throws {
    let f = try FabricatedStore()
    #expect(f.stale.status == .running)
    let table = try RunsCommands.list(store: f.store, isAlive: FabricatedStore.isAlive)
    let lines = table.split(separator: "\n").map(String.init)
    #expect(lines.count == 5)
    #expect(lines[0].hasPrefix("ID  "))
    #expect(lines[0].hasSuffix("STARTED (UTC)     TASK"))
    // Newest first; the stale run is now interrupted.
    #expect(lines[1].hasPrefix(f.stale.id + "  interrupted  sgd "))
    #expect(lines[2].hasPrefix(f.sgd.id + "  failed       sgd "))
    #expect(lines[2].contains("2026-01-01 00:05"))
    #expect(
      lines.contains { $0.hasPrefix(f.adam1.id) && $0.contains("0.2 ") && $0.contains("87.5%") })
    #expect(!lines.contains { $0.hasSuffix(" ") })
    #expect(try f.store.run(id: f.stale.id).status == .interrupted)

    let finished = try RunsCommands.list(
      store: f.store, status: .finished, format: .json, isAlive: FabricatedStore.isAlive)
    let records = try #require(try jsonObject(finished) as? [[String: Any]])
    #expect(Set(records.compactMap { $0["id"] as? String }) == [f.adam1.id, f.adam2.id])
    #expect(records.allSatisfy { $0["status"] as? String == "finished" })
    #expect(records.first?["startedAt"] as? String == "2026-01-01T00:00:00Z")

    let interrupted = try RunsCommands.list(
      store: f.store, status: .interrupted, isAlive: FabricatedStore.isAlive)
    #expect(interrupted.split(separator: "\n").count == 2)
    #expect(interrupted.contains(f.stale.id))
    #expect(
      try RunsCommands.list(store: f.store, status: .running, isAlive: FabricatedStore.isAlive)
        == "no running runs in \(f.store.path)\n")
    let noneJSON = try RunsCommands.list(
      store: f.store, status: .running, format: .json, isAlive: FabricatedStore.isAlive)
    #expect((try jsonObject(noneJSON) as? [Any])?.isEmpty == true)
  }

  @Test func showPrintsTheRecordAndItsPoints() throws {
    let f = try FabricatedStore()
    let table = try RunsCommands.show(store: f.store, id: f.sgd.id)
    let fields = Dictionary(
      table.split(separator: "\n").map { line -> (String, String) in
        let parts = line.split(separator: ":", maxSplits: 1).map(String.init)
        return (parts[0], parts[1].trimmingCharacters(in: .whitespaces))
      }, uniquingKeysWith: { $1 })
    #expect(fields["id"] == f.sgd.id)
    #expect(fields["status"] == "failed")
    #expect(fields["message"] == "loss became NaN at step 10")
    #expect(fields["optimizer"] == "sgd")
    #expect(fields["started"] == "2026-01-01 00:05:00 UTC")
    #expect(fields["metrics"] == "10 (steps 0–9)")
    #expect(fields["evaluations"] == "none")
    #expect(fields["config"] == #"{"batchSize":16}"#)

    let json = try #require(
      try jsonObject(RunsCommands.show(store: f.store, id: f.adam1.id, format: .json))
        as? [String: Any])
    #expect((json["run"] as? [String: Any])?["id"] as? String == f.adam1.id)
    #expect(json["metricCount"] as? Int == 10)
    #expect(json["evaluationCount"] as? Int == 2)
    #expect((json["lastEvaluation"] as? [String: Any])?["step"] as? Int == 12)
    #expect((json["lastMetric"] as? [String: Any])?["step"] as? Int == 9)

    // A run without evaluations: the key is there, null.
    let adam2 = try #require(
      try jsonObject(RunsCommands.show(store: f.store, id: f.adam2.id, format: .json))
        as? [String: Any])
    #expect(adam2["lastEvaluation"] is NSNull)
  }

  @Test func exportPrintsOrAtomicallyWritesCSVAndJSON() throws {
    let f = try FabricatedStore()
    let csv = try RunsCommands.export(store: f.store, id: f.adam1.id, format: .csv)
    let rows = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(rows.first == "step,epoch,seconds,trainLoss,learningRate,evalLoss,evalAccuracy")
    #expect(rows.count == 1 + 11 + 1)  // header, steps 0–9 and 12, final newline
    #expect(rows[1] == "0,0,0.0,2.0,0.01,,")
    #expect(rows[4] == "3,0,1.5,nan,0.01,,")
    #expect(rows[6] == "5,1,2.5,\(2.0 / 6),0.01,0.5,0.75")
    #expect(rows[11] == "12,,,,,0.25,0.875")
    #expect(rows.last == "")

    let json = try RunsCommands.export(store: f.store, id: f.adam1.id, format: .json)
    let object = try #require(try jsonObject(json) as? [String: Any])
    let metrics = try #require(object["metrics"] as? [[String: Any]])
    #expect(metrics.count == 10)
    #expect(metrics[3]["trainLoss"] as? String == "NaN")
    #expect((object["evaluations"] as? [Any])?.count == 2)
    #expect((object["run"] as? [String: Any])?["optimizer"] as? String == "adam")

    // --output: the same text in the file, one line on stdout, no temporary file left.
    let output = f.folder.file("adam1.csv")
    try "old contents".write(toFile: output, atomically: false, encoding: .utf8)
    let message = try RunsCommands.export(
      store: f.store, id: String(f.adam1.id.prefix(20)), format: .csv, output: output)
    #expect(message == "wrote run \(f.adam1.id) as csv to \(output)\n")
    #expect(try String(contentsOfFile: output, encoding: .utf8) == csv)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.folder.path)
      .filter { $0.contains(".tmp-") }
    #expect(leftovers.isEmpty)

    let unwritable = f.folder.file("no-such-folder/adam1.json")
    let error = try #require(
      throws: RunsCommandError.self,
      performing: {
        try RunsCommands.export(store: f.store, id: f.adam1.id, format: .json, output: unwritable)
      })
    #expect(RunsCommandError.exitStatus(for: error) == 1)
    #expect(error.description.hasPrefix("cannot write \(unwritable) ("))
  }

  @Test func deleteRemovesTheRunAndItsPoints() throws {
    let f = try FabricatedStore()
    let message = try RunsCommands.delete(store: f.store, id: "r-20260101-0005")
    #expect(message == "deleted run \(f.sgd.id) (mlp sgd seed 1, failed)\n")
    #expect(
      try f.store.listRuns().map(\.id).sorted() == [f.adam1.id, f.adam2.id, f.stale.id].sorted())
    #expect(throws: RunStoreError.unknownRun(id: f.sgd.id, path: f.store.path)) {
      try f.store.run(id: f.sgd.id)
    }
    let orphans = try f.store.read { db in
      try Int.fetchOne(
        db, sql: "SELECT count(*) FROM metrics WHERE runID = ?", arguments: [f.sgd.id])
    }
    #expect(orphans == 0)
    #expect(try f.store.runData(id: f.adam1.id).metrics.count == 10)
  }

  @Test func unknownOrAmbiguousRunIdsAreUsageErrorsNamingTheCandidates() throws {
    let f = try FabricatedStore()
    let ambiguous = try #require(
      throws: RunStoreError.self,
      performing: { try RunsCommands.show(store: f.store, id: "r-20260101-0000") })
    #expect(
      ambiguous
        == .ambiguousRun(
          prefix: "r-20260101-0000", matches: [f.adam1.id, f.adam2.id].sorted(),
          path: f.store.path))
    #expect(RunsCommandError.exitStatus(for: ambiguous) == 64)
    #expect(
      ambiguous.description.contains(f.adam1.id) && ambiguous.description.contains(f.adam2.id))

    for command in [
      { try RunsCommands.show(store: f.store, id: "r-2025") },
      { try RunsCommands.export(store: f.store, id: "r-2025", format: .csv) },
      { try RunsCommands.delete(store: f.store, id: "r-2025") },
      {
        try RunsCommands.report(store: f.store, runIDs: ["r-2025"], output: f.folder.file("r.html"))
      },
    ] {
      let unknown = try #require(throws: RunStoreError.self, performing: { _ = try command() })
      #expect(unknown == .unknownRun(id: "r-2025", path: f.store.path))
      #expect(RunsCommandError.exitStatus(for: unknown) == 64)
    }
    #expect(try f.store.listRuns().count == 4)
    #expect(!FileManager.default.fileExists(atPath: f.folder.file("r.html")))
  }

  @Test func missingForeignOrCorruptStoresAreBadInputData() throws {
    let folder = TemporaryFolder()
    let missing = folder.file("descent-runs.sqlite")
    let error = try #require(
      throws: RunsCommandError.self,
      performing: { try RunsCommands.openExistingStore(path: missing) })
    #expect(error == .missingStore(path: missing))
    #expect(RunsCommandError.exitStatus(for: error) == 65)
    #expect(error.description.contains(missing) && error.description.contains("descent train"))
    #expect(!error.description.contains("\n"))
    #expect(!FileManager.default.fileExists(atPath: missing))

    let text = folder.file("notes.txt")
    try String(repeating: "not a database\n", count: 100).write(
      toFile: text, atomically: false, encoding: .utf8)
    let notSQLite = try #require(
      throws: RunStoreError.self, performing: { try RunsCommands.openExistingStore(path: text) })
    #expect(notSQLite == .notADatabase(path: text))
    #expect(RunsCommandError.exitStatus(for: notSQLite) == 65)

    let foreign = folder.file("other.sqlite")
    try DatabaseQueue(path: foreign).write { db in
      try db.execute(sql: "CREATE TABLE notes (body TEXT)")
    }
    // A run store whose pages past the first (the schema) are overwritten.
    let damaged = folder.file("damaged.sqlite")
    do {
      let store = try RunStore(path: damaged)
      for seed in 1...20 { try store.createRun(sampleRun(seed: Int64(seed))) }
      try store.pool.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
      }
    }
    let handle = try #require(FileHandle(forUpdatingAtPath: damaged))
    let size = try handle.seekToEnd()
    try handle.seek(toOffset: 4096)
    try handle.write(contentsOf: Data(repeating: 0xA5, count: Int(size) - 4096))
    try handle.close()
    let corrupt = try #require(
      throws: RunStoreError.self,
      performing: {
        try RunsCommands.list(store: RunsCommands.openExistingStore(path: damaged))
      })
    #expect(RunsCommandError.exitStatus(for: corrupt) == 65, "\(corrupt)")

    let notAStore = try #require(
      throws: RunStoreError.self, performing: { try RunsCommands.openExistingStore(path: foreign) })
    #expect(RunsCommandError.exitStatus(for: notAStore) == 65)
  }

  @Test func reportChartsTheRunsWithOneSeriesPerOptimizer() throws {
    let f = try FabricatedStore()
    let output = f.folder.file("report.html")
    // Prefixes, and a run named twice: charted once.
    let message = try RunsCommands.report(
      store: f.store, runIDs: ["r-20260101-0005", f.adam1.id, f.adam2.id, f.stale.id, f.adam1.id],
      output: output, lossScale: .log, isAlive: FabricatedStore.isAlive)
    #expect(message == "wrote report of 4 runs (2 optimizers) to \(output)\n")
    let html = try String(contentsOfFile: output, encoding: .utf8)
    let parser = XMLParser(data: Data(html.utf8))
    let collector = ChartCollector()
    parser.delegate = collector
    #expect(
      parser.parse(), "report is not well-formed XML: \(String(describing: parser.parserError))")
    let lossChart = try #require(collector.charts.first { $0.title == "Training loss by step" })
    #expect(lossChart.series.sorted() == ["adam", "sgd"])
    #expect(lossChart.bands.sorted() == ["adam", "sgd"])
    #expect(html.contains("(log scale)"))
    // The stale run was marked interrupted before the report was built.
    #expect(try f.store.run(id: f.stale.id).status == .interrupted)

    _ = try RunsCommands.report(
      store: f.store, runIDs: [f.adam1.id], output: output, lossScale: .linear, targetLoss: 0.5,
      isAlive: FabricatedStore.isAlive)
    let linear = try String(contentsOfFile: output, encoding: .utf8)
    #expect(!linear.contains("(log scale)"))
    #expect(linear.contains(f.adam1.id) && !linear.contains(f.adam2.id))

    let bad = try #require(
      throws: RunsCommandError.self,
      performing: {
        try RunsCommands.report(
          store: f.store, runIDs: [f.adam1.id], output: output, targetLoss: .nan)
      })
    #expect(RunsCommandError.exitStatus(for: bad) == 64)
    #expect(bad.description.hasPrefix("--target-loss: 'nan' is invalid"))
  }
}
