import Foundation
import GRDB
import Testing

@testable import DescentRuns

/// Hardening (issue 19): a run store edited by another tool — text in an integer or real column,
/// a timestamp SQLite cannot parse, an unknown status — must give a one-line error naming the
/// run and the column (exit 65), keep the other runs readable, and never trap in row decoding.
@Suite("Run store with mistyped cells")
struct MistypedCellTests {
  /// (table, column, SQL value): one damage per case.
  static let damages: [(String, String, String)] = [
    ("runs", "seed", "'forty-two'"),
    ("runs", "cpuCores", "'two'"),
    ("runs", "processID", "x'00ff'"),
    ("runs", "startedAt", "'yesterday-ish'"),
    ("runs", "endedAt", "'not a date'"),
    ("runs", "finalLoss", "'low'"),
    ("runs", "steps", "'many'"),
    ("runs", "status", "'paused'"),
    ("runs", "optimizerStateBytes", "'lots'"),
    ("metrics", "epoch", "'first'"),
    ("metrics", "learningRate", "'fast'"),
    ("evaluations", "accuracy", "'good'"),
  ]

  @Test(arguments: damages.indices)
  func damagedRunIsNamedAndTheOthersStayReadable(index: Int) throws {
    let (table, column, value) = Self.damages[index]
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    let damaged = try store.createRun(sampleRun(seed: 1))
    let intact = try store.createRun(sampleRun(seed: 2))
    for run in [damaged, intact] {
      try store.appendMetrics(
        runID: run.id,
        [MetricPoint(step: 0, seconds: 0, trainLoss: 1, learningRate: 0.1),
         MetricPoint(step: 1, seconds: 1, trainLoss: 0.5, learningRate: 0.1)])
      try store.recordEvaluation(runID: run.id, EvaluationPoint(step: 1, loss: 0.5, accuracy: 0.9))
      try store.finishRun(id: run.id, summary: RunSummary(finalLoss: 0.5, steps: 2))
    }
    let queue = try DatabaseQueue(path: store.path)
    try queue.write { db in
      try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
      let key = table == "runs" ? "id" : "runID"
      try db.execute(
        sql: "UPDATE \(table) SET \(column) = \(value) WHERE \(key) = ?", arguments: [damaged.id])
    }

    // show/export/report of the damaged run: a typed error naming run, table and column.
    let expected = "run \(damaged.id) has an unreadable \(table).\(column)"
    do {
      _ = try RunsCommands.show(store: store, id: damaged.id)
      Issue.record("show of a damaged run did not fail")
    } catch let error as RunStoreError {
      #expect("\(error)".contains(expected), "\(error)")
      #expect(RunsCommandError.exitStatus(for: error) == 65)
      #expect(!"\(error)".contains("\n"))
    }
    // The intact run still shows; the listing names the damaged one and lists the other.
    _ = try RunsCommands.show(store: store, id: intact.id)
    var warnings: [String] = []
    let listing = try RunsCommands.list(
      store: store, format: .json, isAlive: { _, _ in true }, warn: { warnings.append($0) })
    #expect(listing.contains(intact.id))
    if table == "runs" {
      #expect(!listing.contains(damaged.id))
      #expect(warnings.count == 1 && warnings[0].contains(expected), "\(warnings)")
    } else {
      #expect(listing.contains(damaged.id) && warnings.isEmpty)
    }
    // A damaged run can always be deleted.
    _ = try RunsCommands.delete(store: store, id: damaged.id)
    #expect(try store.listRuns().map(\.id) == [intact.id])
  }
}
