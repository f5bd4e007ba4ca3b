import Foundation

/// Where a run stands. Stored as its raw value in `runs.status`.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
  /// A process is training it now (or died without saying so: see
  /// `RunStore.markStaleRunsInterrupted()`).
  case running
  /// Reached its last step.
  case finished
  /// Stopped by an error (non-finite loss, bad data); `failureMessage` says which.
  case failed
  /// Stopped by a signal or a dead process; resumable from `checkpointPath`.
  case interrupted
}

/// What a new run is: everything known before its first step.
public struct NewRun: Sendable {
  /// Human-readable name (`"mlp adam seed 1"`); need not be unique.
  public var name: String
  /// The task: model and dataset (`"mlp:784-128-10 on mnist"`).
  public var task: String
  /// Optimizer name as in the catalogue (`"adam"`); reports group runs by it.
  public var optimizer: String
  /// Optimizer hyperparameters as a JSON object (`{"learningRate":0.001}`).
  public var hyperparametersJSON: String
  /// The complete resolved configuration as a JSON object, enough to replay the run.
  public var configJSON: String
  public var seed: Int64
  /// The `compare` invocation this run belongs to, if any.
  public var groupID: String?
  /// Defaults to `CodeVersion.current`.
  public var codeVersion: String
  /// Defaults to this machine.
  public var machine: MachineInfo
  /// The process that trains the run; defaults to this one. Used to detect stale runs.
  public var processID: Int32
  /// When that process started (`processStartTime(_:)`), so that a reused PID is not taken for it.
  public var processStartTime: Int64?

  public init(
    name: String, task: String, optimizer: String, hyperparametersJSON: String = "{}",
    configJSON: String = "{}", seed: Int64, groupID: String? = nil,
    codeVersion: String = CodeVersion.current, machine: MachineInfo = .current,
    processID: Int32 = ProcessInfo.processInfo.processIdentifier,
    processStartTime: Int64? = DescentRuns.processStartTime(
      ProcessInfo.processInfo.processIdentifier)
  ) {
    self.name = name
    self.task = task
    self.optimizer = optimizer
    self.hyperparametersJSON = hyperparametersJSON
    self.configJSON = configJSON
    self.seed = seed
    self.groupID = groupID
    self.codeVersion = codeVersion
    self.machine = machine
    self.processID = processID
    self.processStartTime = processStartTime
  }
}

/// Numbers that sum a run up, written when it ends. Each is optional: a run killed early may have
/// none; reports recompute what they can from the metrics.
public struct RunSummary: Sendable, Equatable, Codable {
  public var finalLoss: Double?
  public var bestLoss: Double?
  /// Fractions in [0, 1].
  public var finalAccuracy: Double?
  public var bestAccuracy: Double?
  public var steps: Int?
  /// Wall-clock training seconds.
  public var seconds: Double?
  public var optimizerStateBytes: Int?

  public init(
    finalLoss: Double? = nil, bestLoss: Double? = nil, finalAccuracy: Double? = nil,
    bestAccuracy: Double? = nil, steps: Int? = nil, seconds: Double? = nil,
    optimizerStateBytes: Int? = nil
  ) {
    self.finalLoss = finalLoss
    self.bestLoss = bestLoss
    self.finalAccuracy = finalAccuracy
    self.bestAccuracy = bestAccuracy
    self.steps = steps
    self.seconds = seconds
    self.optimizerStateBytes = optimizerStateBytes
  }
}

/// One row of `runs`.
public struct RunRecord: Sendable, Equatable, Codable {
  public var id: String
  public var name: String
  public var task: String
  public var optimizer: String
  public var hyperparametersJSON: String
  public var configJSON: String
  public var seed: Int64
  public var groupID: String?
  public var codeVersion: String
  public var machine: MachineInfo
  public var processID: Int32
  public var processStartTime: Int64?
  public var startedAt: Date
  public var endedAt: Date?
  public var status: RunStatus
  public var failureMessage: String?
  public var checkpointPath: String?
  public var summary: RunSummary
}

/// One training step's numbers (a row of `metrics`).
public struct MetricPoint: Sendable, Equatable, Codable {
  public var step: Int
  public var epoch: Int
  /// Wall-clock seconds since the run started.
  public var seconds: Double
  /// NaN when the loss was not finite (SQLite stores NaN as NULL, read back as NaN).
  public var trainLoss: Double
  public var learningRate: Double
  /// Any other per-step numbers (gradient norm, batch accuracy), stored as a JSON object.
  public var extra: [String: Double]

  public init(
    step: Int, epoch: Int = 0, seconds: Double, trainLoss: Double, learningRate: Double,
    extra: [String: Double] = [:]
  ) {
    self.step = step
    self.epoch = epoch
    self.seconds = seconds
    self.trainLoss = trainLoss
    self.learningRate = learningRate
    self.extra = extra
  }

  public static func == (a: MetricPoint, b: MetricPoint) -> Bool {
    a.step == b.step && a.epoch == b.epoch && a.seconds == b.seconds
      && (a.trainLoss == b.trainLoss || (a.trainLoss.isNaN && b.trainLoss.isNaN))
      && a.learningRate == b.learningRate && a.extra == b.extra
  }
}

/// One evaluation on held-out data (a row of `evaluations`).
public struct EvaluationPoint: Sendable, Equatable, Codable {
  public var step: Int
  public var loss: Double
  /// Fraction in [0, 1]; nil for tasks without a notion of accuracy (regression).
  public var accuracy: Double?

  public init(step: Int, loss: Double, accuracy: Double?) {
    self.step = step
    self.loss = loss
    self.accuracy = accuracy
  }
}

/// Runs made together by one `descent compare` invocation (a row of `runGroups`).
public struct RunGroup: Sendable, Equatable, Codable {
  public var id: String
  public var name: String
  public var configJSON: String
  public var createdAt: Date
}

/// A run with all its points: what reports and exports read.
public struct RunData: Sendable, Equatable {
  public var run: RunRecord
  public var metrics: [MetricPoint]
  public var evaluations: [EvaluationPoint]

  public init(run: RunRecord, metrics: [MetricPoint], evaluations: [EvaluationPoint]) {
    self.run = run
    self.metrics = metrics
    self.evaluations = evaluations
  }
}
