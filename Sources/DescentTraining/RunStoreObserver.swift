import DescentRuns
import Foundation

/// Records a run in a `DescentRuns.RunStore`: the run row (created by ``createRun(in:configuration:)``
/// before the `Trainer`, whose run id is the store's), step metrics in batches of
/// `flushEvery` (one transaction each, so a killed process keeps every flushed batch), each
/// evaluation, the checkpoint path, and the final status with its summary.
public final class RunStoreObserver: TrainingObserver {
  public let store: RunStore
  public let runID: String
  private let flushEvery: Int
  private var pending: [MetricPoint] = []
  private var bestLoss = Double.infinity
  private var bestAccuracy = -Double.infinity
  /// The first error the store raised (recording stops there; training goes on).
  public private(set) var storeError: (any Error)?

  public init(store: RunStore, runID: String, flushEvery: Int = 50) {
    self.store = store
    self.runID = runID
    self.flushEvery = max(1, flushEvery)
  }

  /// Creates the run's row (status running) and returns its id, to pass to the `Trainer`.
  public static func createRun(
    in store: RunStore, configuration: TrainingConfiguration, groupID: String? = nil
  ) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let configJSON = String(decoding: try encoder.encode(configuration), as: UTF8.self)
    var hyperparameters = configuration.settings
    if let lr = configuration.learningRate { hyperparameters["learningRate"] = String(lr) }
    let hyperparametersJSON = String(
      decoding: try encoder.encode(hyperparameters), as: UTF8.self)
    let record = try store.createRun(
      NewRun(
        name: "\(configuration.optimizer) seed \(configuration.seed)",
        task: "\(configuration.model) on \(configuration.data)",
        optimizer: configuration.optimizer, hyperparametersJSON: hyperparametersJSON,
        configJSON: configJSON, seed: Int64(bitPattern: configuration.seed), groupID: groupID))
    // Known from the start, so that `--resume RUNID` finds the checkpoint even when the process
    // was killed between writing its first checkpoint and recording it.
    if let path = configuration.checkpointPath {
      try store.setCheckpointPath(
        runID: record.id, URL(fileURLWithPath: path).standardizedFileURL.path)
    }
    return record.id
  }

  private func record(_ body: () throws -> Void) {
    guard storeError == nil else { return }
    do { try body() } catch { storeError = error }
  }

  private func flush() {
    let points = pending
    pending.removeAll()
    record { try store.appendMetrics(runID: runID, points) }
  }

  public func runStarted(_ start: RunStart) {
    if start.startStep > 0 { record { try store.markResumed(id: runID) } }
  }

  public func stepFinished(_ r: StepRecord) {
    pending.append(
      MetricPoint(
        step: r.step, epoch: r.epoch, seconds: r.seconds, trainLoss: r.loss,
        learningRate: r.learningRate,
        extra: r.skipped ? ["accuracy": r.accuracy, "skipped": 1] : ["accuracy": r.accuracy]))
    if pending.count >= flushEvery { flush() }
  }

  public func evaluated(step: Int, loss: Double, accuracy: Double) {
    flush()
    if loss.isFinite { bestLoss = min(bestLoss, loss) }
    if accuracy.isFinite { bestAccuracy = max(bestAccuracy, accuracy) }
    record {
      try store.recordEvaluation(
        runID: runID, EvaluationPoint(step: step, loss: loss, accuracy: accuracy))
    }
  }

  public func checkpointWritten(path: String, step: Int) {
    flush()
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    record { try store.setCheckpointPath(runID: runID, absolute) }
  }

  public func runEnded(status: DescentTraining.RunStatus, summary: TrainingSummary) {
    flush()
    let runSummary = RunSummary(
      finalLoss: summary.evalLoss, bestLoss: bestLoss.isFinite ? bestLoss : nil,
      finalAccuracy: summary.evalAccuracy,
      bestAccuracy: bestAccuracy.isFinite ? bestAccuracy : nil, steps: summary.steps,
      seconds: summary.seconds, optimizerStateBytes: summary.optimizerStateBytes)
    record {
      switch status {
      case .finished: try store.finishRun(id: runID, summary: runSummary)
      case .interrupted: try store.markInterrupted(id: runID, summary: runSummary)
      case .failed:
        try store.failRun(
          id: runID, message: summary.failure ?? "training failed", summary: runSummary)
      }
    }
  }
}
