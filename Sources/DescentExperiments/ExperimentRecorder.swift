import DescentData
import DescentRuns
import DescentTraining
import Foundation

/// Records an experiment's training runs in a run store, under one group per experiment run
/// (`reproduce ID seed S`), so that `descent runs list`, `runs show` and `report` see them like
/// any other run.
public final class ExperimentRecorder: @unchecked Sendable {
  public let store: RunStore
  public let group: RunGroup
  private let lock = NSLock()
  private var recorded: [String] = []

  /// A new group in `store` for experiment `id`.
  public init(store: RunStore, experimentID id: String, seed: UInt64, quick: Bool) throws {
    self.store = store
    group = try store.createGroup(
      name: "reproduce \(id) seed \(seed)\(quick ? " quick" : "")",
      configJSON: #"{"experiment":"\#(id)","quick":\#(quick),"seed":\#(seed)}"#)
  }

  /// The ids of the runs recorded so far, in order.
  public var runIDs: [String] { lock.withLock { recorded } }

  /// Records a run made by the experiment's own loop: one training loss per step (step 1 first),
  /// the learning rate of each step, and evaluations. Returns the run's id.
  @discardableResult
  public func record(
    name: String, task: String, optimizer: String, hyperparameters: [String: Double] = [:],
    seed: UInt64, losses: [Double], learningRates: [Double]? = nil,
    evaluations: [EvaluationPoint] = [], seconds: Double? = nil
  ) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let run = try store.createRun(
      NewRun(
        name: name, task: task, optimizer: optimizer,
        hyperparametersJSON: String(decoding: try encoder.encode(hyperparameters), as: UTF8.self),
        configJSON: String(decoding: try encoder.encode(["task": task, "name": name]), as: UTF8.self),
        seed: Int64(bitPattern: seed), groupID: group.id))
    let total = seconds ?? 0
    let points = losses.enumerated().map { index, loss in
      MetricPoint(
        step: index + 1,
        seconds: losses.count > 1 ? total * Double(index + 1) / Double(losses.count) : total,
        trainLoss: loss,
        learningRate: learningRates.flatMap { index < $0.count ? $0[index] : nil }
          ?? hyperparameters["learningRate"] ?? .nan)
    }
    for start in stride(from: 0, to: points.count, by: 2000) {
      try store.appendMetrics(runID: run.id, Array(points[start..<min(points.count, start + 2000)]))
    }
    for evaluation in evaluations { try store.recordEvaluation(runID: run.id, evaluation) }
    let finite = losses.filter(\.isFinite)
    let last = evaluations.last
    try store.finishRun(
      id: run.id,
      summary: RunSummary(
        // Evaluation losses when there are evaluations, else training losses: never a mix.
        finalLoss: last?.loss ?? losses.last,
        bestLoss: evaluations.isEmpty ? finite.min() : evaluations.map(\.loss).filter(\.isFinite).min(),
        finalAccuracy: last?.accuracy, steps: losses.count, seconds: seconds))
    lock.withLock { recorded.append(run.id) }
    return run.id
  }

  /// Trains `configuration` with a `Trainer` (on `dataset` when given, else on
  /// `configuration.data`), recorded through a `RunStoreObserver`; `observers` see the run too
  /// (e.g. a ``LossCurveObserver``).
  public func train(
    _ configuration: TrainingConfiguration, dataset: TensorDataset? = nil,
    observers: [any TrainingObserver] = []
  ) throws -> TrainedRun {
    let runID = try RunStoreObserver.createRun(
      in: store, configuration: configuration, groupID: group.id)
    lock.withLock { recorded.append(runID) }
    let observer = RunStoreObserver(store: store, runID: runID)
    do {
      let trainer =
        try dataset.map { try Trainer(configuration: configuration, dataset: $0, runId: runID) }
        ?? Trainer(configuration: configuration, runId: runID)
      trainer.observers = [observer] + observers
      let summary = try trainer.run()
      if let storeError = observer.storeError { throw storeError }
      return TrainedRun(summary: summary, trainer: trainer)
    } catch {
      try? store.failRun(id: runID, message: "\(error)")
      throw error
    }
  }
}

/// A finished training run: its summary, and the trainer holding the final model.
public struct TrainedRun {
  public let summary: TrainingSummary
  public let trainer: Trainer
}

extension ExperimentContext {
  /// Trains `configuration` (on `dataset` when given), recorded in the run store when the
  /// context has one; `observers` see the run either way.
  public func train(
    _ configuration: TrainingConfiguration, dataset: TensorDataset? = nil,
    observers: [any TrainingObserver] = []
  ) throws -> TrainedRun {
    if let recorder {
      return try recorder.train(configuration, dataset: dataset, observers: observers)
    }
    let trainer =
      try dataset.map { try Trainer(configuration: configuration, dataset: $0) }
      ?? Trainer(configuration: configuration)
    trainer.observers = observers
    return TrainedRun(summary: try trainer.run(), trainer: trainer)
  }
}
