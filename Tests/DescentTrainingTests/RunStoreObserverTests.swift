import DescentRuns
import Foundation
import Testing

@testable import DescentTraining

/// A run recorded in a `DescentRuns` store through the observer.
@Suite struct RunStoreObserverTests {
  func store() throws -> (RunStore, URL) {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-store-\(UUID().uuidString).sqlite")
    return (try RunStore(path: url.path), url)
  }

  @Test func finishedRunHasItsMetricsEvaluationsAndSummary() throws {
    let (store, url) = try store()
    defer {
      for suffix in ["", "-wal", "-shm"] {
        try? FileManager.default.removeItem(atPath: url.path + suffix)
      }
    }
    var c = TrainingConfiguration()
    c.steps = 23
    c.evalEvery = 10
    let id = try RunStoreObserver.createRun(in: store, configuration: c)
    let trainer = try Trainer(configuration: c, runId: id)
    let observer = RunStoreObserver(store: store, runID: id, flushEvery: 5)
    trainer.observers.append(observer)
    let summary = try trainer.run()
    #expect(observer.storeError == nil)
    let data = try store.runData(id: id)
    #expect(data.run.status == .finished)
    #expect(data.metrics.map(\.step) == Array(1...23))
    #expect(data.evaluations.map(\.step) == [10, 20, 23])
    #expect(data.run.summary.steps == 23)
    #expect(data.run.summary.finalAccuracy == summary.evalAccuracy)
    #expect(data.run.summary.optimizerStateBytes == summary.optimizerStateBytes)
  }

  @Test func failedRunKeepsTheNonFiniteMessage() throws {
    let (store, url) = try store()
    defer {
      for suffix in ["", "-wal", "-shm"] {
        try? FileManager.default.removeItem(atPath: url.path + suffix)
      }
    }
    var c = TrainingConfiguration()
    c.steps = 50
    c.optimizer = "sgd"
    c.learningRate = 1e6
    let id = try RunStoreObserver.createRun(in: store, configuration: c)
    let trainer = try Trainer(configuration: c, runId: id)
    trainer.observers.append(RunStoreObserver(store: store, runID: id))
    #expect(throws: TrainingError.self) { try trainer.run() }
    let run = try store.run(id: id)
    #expect(run.status == .failed)
    #expect(run.failureMessage?.contains("non-finite") == true)
  }
}
