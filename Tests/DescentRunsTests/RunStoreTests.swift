import Foundation
import GRDB
import Testing

@testable import DescentRuns

/// A fresh folder per test, removed at the end.
final class TemporaryFolder {
  let path: String

  init() {
    path = NSTemporaryDirectory() + "descent-runs-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func file(_ name: String) -> String { path + "/" + name }

  deinit { try? FileManager.default.removeItem(atPath: path) }
}

func sampleRun(optimizer: String = "adam", seed: Int64 = 1, group: String? = nil) -> NewRun {
  NewRun(
    name: "mlp \(optimizer) seed \(seed)", task: "mlp:4-8-3 on iris", optimizer: optimizer,
    hyperparametersJSON: #"{"learningRate":0.001}"#, configJSON: #"{"batchSize":16}"#, seed: seed,
    groupID: group)
}

@Suite("Run store")
struct RunStoreTests {
  @Test func migrationsCreateTheSchemaOnAFreshFile() throws {
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    let (tables, applied, journal) = try store.read { db in
      (
        try String.fetchAll(
          db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
        try RunStoreSchema.migrator.appliedMigrations(db),
        try String.fetchOne(db, sql: "PRAGMA journal_mode")
      )
    }
    for table in ["evaluations", "metrics", "runGroups", "runs"] { #expect(tables.contains(table)) }
    #expect(applied == RunStoreSchema.migrator.migrations)
    #expect(journal == "wal")
    // Opening again applies nothing new and keeps the data.
    try store.createRun(sampleRun())
    let reopened = try RunStore(path: store.path)
    #expect(try reopened.listRuns().count == 1)
  }

  @Test func runRoundTripsWithMetricsAndEvaluations() throws {
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    let group = try store.createGroup(name: "compare adam sgd")
    let run = try store.createRun(sampleRun(group: group.id))
    #expect(run.id.hasPrefix("r-"))
    #expect(run.status == .running)
    #expect(run.machine == MachineInfo.current)
    #expect(run.processID == ProcessInfo.processInfo.processIdentifier)
    let metrics = (0..<250).map { (step: Int) -> MetricPoint in
      let loss: Double = step == 7 ? .nan : 2 / Double(step + 1)
      let extra: [String: Double] = step % 2 == 0 ? ["gradNorm": Double(step)] : [:]
      return MetricPoint(
        step: step, epoch: step / 100, seconds: Double(step) * 0.01, trainLoss: loss,
        learningRate: 1e-3, extra: extra)
    }
    try store.appendMetrics(runID: run.id, Array(metrics[..<100]))
    try store.appendMetrics(runID: run.id, Array(metrics[100...]))
    try store.recordEvaluation(runID: run.id, EvaluationPoint(step: 100, loss: 0.5, accuracy: 0.8))
    try store.recordEvaluation(runID: run.id, EvaluationPoint(step: 249, loss: 0.25, accuracy: nil))
    try store.setCheckpointPath(runID: run.id, "checkpoints/\(run.id).safetensors")
    let summary = RunSummary(
      finalLoss: 0.008, bestLoss: 0.008, finalAccuracy: 0.8, bestAccuracy: 0.8, steps: 250,
      seconds: 2.5, optimizerStateBytes: 1234)
    try store.finishRun(id: run.id, summary: summary)

    let data = try store.runData(id: run.id)
    #expect(data.metrics == metrics)
    #expect(data.metrics[7].trainLoss.isNaN)
    #expect(
      data.evaluations == [
        EvaluationPoint(step: 100, loss: 0.5, accuracy: 0.8),
        EvaluationPoint(step: 249, loss: 0.25, accuracy: nil),
      ])
    #expect(data.run.status == .finished)
    #expect(data.run.summary == summary)
    #expect(data.run.endedAt != nil)
    #expect(data.run.groupID == group.id)
    #expect(data.run.checkpointPath == "checkpoints/\(run.id).safetensors")
    #expect(data.run.hyperparametersJSON == #"{"learningRate":0.001}"#)
    // A unique prefix finds the run; filters select it.
    #expect(try store.run(id: String(run.id.prefix(run.id.count - 2))).id == run.id)
    #expect(try store.listRuns(status: .finished).map(\.id) == [run.id])
    #expect(try store.listRuns(status: .running).isEmpty)
    #expect(try store.listRuns(groupID: group.id).map(\.id) == [run.id])
    #expect(try store.listGroups() == [group])
  }

  @Test func resumedStepsReplaceTheLostOnes() throws {
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    let run = try store.createRun(sampleRun())
    try store.appendMetrics(
      runID: run.id,
      (0..<10).map { MetricPoint(step: $0, seconds: 0, trainLoss: 1, learningRate: 1) })
    try store.markInterrupted(id: run.id)
    try store.markResumed(id: run.id)
    try store.appendMetrics(
      runID: run.id,
      (5..<12).map { MetricPoint(step: $0, seconds: 1, trainLoss: 2, learningRate: 1) })
    let data = try store.runData(id: run.id)
    #expect(data.run.status == .running)
    #expect(data.metrics.map(\.step) == Array(0..<12))
    #expect(
      data.metrics.map(\.trainLoss) == Array(repeating: 1, count: 5) + Array(repeating: 2, count: 7)
    )
  }

  @Test func failAndInterruptRecordStatusAndMessage() throws {
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    let failed = try store.createRun(sampleRun(seed: 1))
    let stopped = try store.createRun(sampleRun(seed: 2))
    try store.failRun(
      id: failed.id, message: "loss is NaN at step 12 (first non-finite gradient: 0.weight)")
    try store.markInterrupted(id: stopped.id, summary: RunSummary(steps: 40))
    #expect(try store.run(id: failed.id).status == .failed)
    #expect(try store.run(id: failed.id).failureMessage?.contains("step 12") == true)
    #expect(try store.run(id: stopped.id).status == .interrupted)
    #expect(try store.run(id: stopped.id).summary.steps == 40)
  }

  @Test func exportsCSVAndJSON() throws {
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    let run = try store.createRun(sampleRun())
    try store.appendMetrics(
      runID: run.id,
      [
        MetricPoint(step: 0, epoch: 0, seconds: 0.5, trainLoss: 2.5, learningRate: 0.1),
        MetricPoint(step: 1, epoch: 0, seconds: 1, trainLoss: .nan, learningRate: 0.05),
      ])
    try store.recordEvaluation(runID: run.id, EvaluationPoint(step: 1, loss: 1.25, accuracy: 0.5))
    try store.recordEvaluation(runID: run.id, EvaluationPoint(step: 2, loss: 1, accuracy: 0.75))
    let csv = try store.exportRun(id: run.id, format: .csv)
    #expect(
      csv == """
        step,epoch,seconds,trainLoss,learningRate,evalLoss,evalAccuracy
        0,0,0.5,2.5,0.1,,
        1,0,1.0,nan,0.05,1.25,0.5
        2,,,,,1.0,0.75

        """)
    let json = try store.exportRun(id: run.id, format: .json)
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    let metrics = object["metrics"] as! [[String: Any]]
    #expect(metrics.count == 2)
    #expect(metrics[0]["trainLoss"] as? Double == 2.5)
    #expect(metrics[1]["trainLoss"] as? String == "NaN")
    #expect((object["evaluations"] as! [[String: Any]]).count == 2)
    #expect((object["run"] as! [String: Any])["id"] as? String == run.id)
  }

  @Test func deleteCascadesToMetricsAndEvaluations() throws {
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    let doomed = try store.createRun(sampleRun(seed: 1))
    let kept = try store.createRun(sampleRun(seed: 2))
    for id in [doomed.id, kept.id] {
      try store.appendMetrics(
        runID: id, (0..<5).map { MetricPoint(step: $0, seconds: 0, trainLoss: 1, learningRate: 1) })
      try store.recordEvaluation(runID: id, EvaluationPoint(step: 4, loss: 1, accuracy: 0.5))
    }
    try store.deleteRun(id: doomed.id)
    let counts = try store.read { db in
      (
        try Int.fetchOne(
          db, sql: "SELECT count(*) FROM metrics WHERE runID = ?", arguments: [doomed.id]),
        try Int.fetchOne(
          db, sql: "SELECT count(*) FROM evaluations WHERE runID = ?", arguments: [doomed.id]),
        try Int.fetchOne(db, sql: "SELECT count(*) FROM metrics")
      )
    }
    #expect(counts.0 == 0)
    #expect(counts.1 == 0)
    #expect(counts.2 == 5)
    #expect(throws: RunStoreError.unknownRun(id: doomed.id, path: store.path)) {
      try store.run(id: doomed.id)
    }
    #expect(throws: RunStoreError.unknownRun(id: doomed.id, path: store.path)) {
      try store.appendMetrics(
        runID: doomed.id, [MetricPoint(step: 9, seconds: 0, trainLoss: 1, learningRate: 1)])
    }
    #expect(try store.listRuns().map(\.id) == [kept.id])
  }

  @Test func concurrentWritersThroughSeparateConnectionsLoseNothing() throws {
    let folder = TemporaryFolder()
    let path = folder.file("runs.sqlite")
    // Each writer opens its own store (its own DatabasePool: separate SQLite connections and
    // file locks, as two processes would), creates runs and appends small batches, all at once.
    let writers = 4
    let runsPerWriter = 3
    let batches = 30
    let batchSize = 20
    let failures = FailureLog()
    DispatchQueue.concurrentPerform(iterations: writers) { writer in
      do {
        let store = try RunStore(path: path, busyTimeout: 60)
        for r in 0..<runsPerWriter {
          let run = try store.createRun(sampleRun(optimizer: "w\(writer)", seed: Int64(r)))
          for b in 0..<batches {
            let points = (0..<batchSize).map { i in
              MetricPoint(
                step: b * batchSize + i, seconds: 0, trainLoss: Double(writer), learningRate: 1)
            }
            try store.appendMetrics(runID: run.id, points)
            if b % 10 == 9 {
              try store.recordEvaluation(
                runID: run.id, EvaluationPoint(step: b * batchSize, loss: 1, accuracy: 0.5))
            }
          }
          try store.finishRun(id: run.id, summary: RunSummary(steps: batches * batchSize))
        }
      } catch {
        failures.append("writer \(writer): \(error)")
      }
    }
    #expect(failures.messages.isEmpty)
    let store = try RunStore(path: path)
    let runs = try store.listRuns()
    #expect(runs.count == writers * runsPerWriter)
    #expect(runs.allSatisfy { $0.status == .finished })
    let (metricCount, evaluationCount) = try store.read { db in
      (
        try Int.fetchOne(db, sql: "SELECT count(*) FROM metrics") ?? 0,
        try Int.fetchOne(db, sql: "SELECT count(*) FROM evaluations") ?? 0
      )
    }
    #expect(metricCount == writers * runsPerWriter * batches * batchSize)
    #expect(evaluationCount == writers * runsPerWriter * (batches / 10))
  }

  @Test func staleRunsOfDeadProcessesAreMarkedInterrupted() throws {
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    let deadPID: Int32 = 0x3FFF_FFF0  // above Linux's pid_max limit: never a live process
    #expect(!isProcessAlive(deadPID))
    #expect(isProcessAlive(ProcessInfo.processInfo.processIdentifier))
    var dead = sampleRun(seed: 1)
    dead.processID = deadPID
    let deadRun = try store.createRun(dead)
    let liveRun = try store.createRun(sampleRun(seed: 2))
    #expect(liveRun.processStartTime != nil)
    #expect(liveRun.processStartTime == processStartTime(ProcessInfo.processInfo.processIdentifier))
    var reused = sampleRun(seed: 5)  // a live PID, but a different process started earlier with it
    reused.processStartTime = liveRun.processStartTime.map { $0 - 1 }
    let reusedRun = try store.createRun(reused)
    var elsewhere = sampleRun(seed: 3)
    elsewhere.processID = deadPID
    elsewhere.machine.hostname = "some-other-host"
    let otherHostRun = try store.createRun(elsewhere)
    var finished = sampleRun(seed: 4)
    finished.processID = deadPID
    let finishedRun = try store.createRun(finished)
    try store.finishRun(id: finishedRun.id, summary: RunSummary())

    #expect(try Set(store.markStaleRunsInterrupted()) == [deadRun.id, reusedRun.id])
    #expect(try store.run(id: deadRun.id).status == .interrupted)
    #expect(try store.run(id: deadRun.id).failureMessage?.contains(String(deadPID)) == true)
    #expect(try store.run(id: liveRun.id).status == .running)
    #expect(try store.run(id: otherHostRun.id).status == .running)
    #expect(try store.run(id: finishedRun.id).status == .finished)
    #expect(try store.markStaleRunsInterrupted().isEmpty)
  }

  @Test func fileErrorsAreTypedWithOneLineMessages() throws {
    let folder = TemporaryFolder()
    let text = folder.file("notes.txt")
    try String(repeating: "not a database\n", count: 200).write(
      toFile: text, atomically: false, encoding: .utf8)
    #expect(throws: RunStoreError.notADatabase(path: text)) { try RunStore(path: text) }

    // A real store whose pages after the header are overwritten with garbage.
    let damaged = folder.file("damaged.sqlite")
    do {
      let store = try RunStore(path: damaged)
      let run = try store.createRun(sampleRun())
      try store.appendMetrics(
        runID: run.id,
        (0..<2000).map { MetricPoint(step: $0, seconds: 0, trainLoss: 1, learningRate: 1) })
      try store.pool.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
    }
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: damaged))
    try handle.seek(toOffset: 4096)
    handle.write(Data((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
    try handle.close()
    var caught: (any Error)?
    do {
      let store = try RunStore(path: damaged)
      _ = try store.listRuns()
      _ = try store.runData(id: store.listRuns().first?.id ?? "r-")
    } catch {
      caught = error
    }
    guard case .corrupt(let path, _)? = caught as? RunStoreError else {
      Issue.record("expected RunStoreError.corrupt, got \(String(describing: caught))")
      return
    }
    #expect(path == damaged)

    let sqlite = folder.file("other.sqlite")
    do {
      let store = try RunStore(path: sqlite)
      try store.write { db in
        try db.execute(
          sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
      }
    }
    #expect(
      throws: RunStoreError.schemaTooNew(path: sqlite, unknownMigrations: ["v9-from-the-future"])
    ) {
      try RunStore(path: sqlite)
    }

    let store = try RunStore(path: folder.file("runs.sqlite"))
    #expect(throws: RunStoreError.unknownRun(id: "r-nope", path: store.path)) {
      try store.finishRun(id: "r-nope", summary: RunSummary())
    }
    for error in [
      RunStoreError.notADatabase(path: text), .corrupt(path: damaged, detail: "x"),
      .schemaTooNew(path: sqlite, unknownMigrations: ["v9"]), .unknownRun(id: "r-x", path: sqlite),
      .notARunStore(path: sqlite), .ambiguousRun(prefix: "r-", matches: ["a", "b"], path: sqlite),
      .cannotOpen(path: sqlite, detail: "x"),
    ] {
      #expect(!error.description.contains("\n"))
      #expect(error.description.contains(".sqlite") || error.description.contains(".txt"))
    }
  }

  @Test func foreignSQLiteDatabaseIsRefused() throws {
    let folder = TemporaryFolder()
    let path = folder.file("app.sqlite")
    do {
      let queue = try DatabaseQueue(path: path)
      try queue.write { try $0.execute(sql: "CREATE TABLE customers (id INTEGER PRIMARY KEY)") }
    }
    #expect(throws: RunStoreError.notARunStore(path: path)) { try RunStore(path: path) }
  }
}

/// Thread-safe list of failure messages for the concurrent test.
final class FailureLog: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [String] = []

  func append(_ message: String) {
    lock.lock()
    storage.append(message)
    lock.unlock()
  }

  var messages: [String] {
    lock.lock()
    defer { lock.unlock() }
    return storage
  }
}
