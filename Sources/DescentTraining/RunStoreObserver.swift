import DescentRuns
import Foundation

/// Records a training run in a ``RunStore``: metrics in batches (one transaction per
/// `batchSize` steps, and whatever is pending at each evaluation, checkpoint and the end),
/// evaluations, the checkpoint path, and the final status and summary.
///
/// The store's run must exist before training starts (``RunStoreObserver/createRun(in:configuration:name:groupID:)``),
/// so that the trainer, the store and the printed summary share one run id.
public final class RunStoreObserver: TrainingObserver {
  public let store: RunStore
  public let runID: String
  private let batchSize: Int
  private var pending: [MetricPoint] = []
  private var bestLoss = Double.infinity
  private var bestAccuracy: Double?
  /// The first error the store raised; training goes on, the caller reports it at the end.
  public private(set) var storeError: (any Error)?

  public init(store: RunStore, runID: String, batchSize: Int = 50) {
    self.store = store
    self.runID = runID
    self.batchSize = batchSize
  }

  /// Creates the store's record of a run about to start with `configuration`.
  public static func createRun(
    in store: RunStore, configuration: TrainingConfiguration, name: String? = nil,
    groupID: String? = nil
  ) throws -> RunRecord {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let configJSON = String(decoding: try encoder.encode(configuration), as: UTF8.self)
    var hyperparameters = configuration.settings
    if let learningRate = configuration.learningRate { hyperparameters["learningRate"] = String(learningRate) }
    let hyperparametersJSON = String(decoding: try encoder.encode(hyperparameters), as: UTF8.self)
    return try store.createRun(
      NewRun(
        name: name ?? "\(configuration.optimizer) seed \(configuration.seed)",
        task: "\(configuration.model) on \(configuration.data)", optimizer: configuration.optimizer,
        hyperparametersJSON: hyperparametersJSON, configJSON: configJSON,
        seed: Int64(bitPattern: configuration.seed), groupID: groupID))
  }

  private func attempt(_ body: () throws -> Void) {
    do { try body() } catch { if storeError == nil { storeError = error } }
  }

  private func flush() {
    guard !pending.isEmpty else { return }
    let points = pending
    pending.removeAll(keepingCapacity: true)
    attempt { try store.appendMetrics(runID: runID, points) }
  }

  public func stepFinished(_ record: StepRecord) {
    if record.loss.isFinite { bestLoss = min(bestLoss, record.loss) }
    pending.append(
      MetricPoint(
        step: record.step, epoch: record.epoch, seconds: record.seconds, trainLoss: record.loss,
        learningRate: record.learningRate,
        extra: ["batchAccuracy": record.accuracy, "skipped": record.skipped ? 1 : 0]))
    if pending.count >= batchSize { flush() }
  }

  public func evaluated(step: Int, loss: Double, accuracy: Double) {
    flush()
    if accuracy.isFinite { bestAccuracy = max(bestAccuracy ?? accuracy, accuracy) }
    attempt {
      try store.recordEvaluation(
        runID: runID, EvaluationPoint(step: step, loss: loss, accuracy: accuracy.isFinite ? accuracy : nil))
    }
  }

  public func checkpointWritten(path: String, step: Int) {
    flush()
    attempt { try store.setCheckpointPath(runID: runID, path) }
  }

  public func runEnded(status: RunStatus, summary: TrainingSummary) {
    flush()
    let numbers = RunSummary(
      finalLoss: summary.finalTrainLoss, bestLoss: bestLoss.isFinite ? bestLoss : nil,
      finalAccuracy: summary.evalAccuracy.isFinite ? summary.evalAccuracy : nil,
      bestAccuracy: bestAccuracy, steps: summary.steps, seconds: summary.seconds,
      optimizerStateBytes: summary.optimizerStateBytes)
    attempt {
      switch status {
      case .finished: try store.finishRun(id: runID, summary: numbers)
      case .interrupted:
        try store.markInterrupted(
          id: runID, message: "stopped at step \(summary.steps); resume from its checkpoint",
          summary: numbers)
      case .failed:
        try store.failRun(id: runID, message: "failed at step \(summary.steps)", summary: numbers)
      }
    }
  }
}
