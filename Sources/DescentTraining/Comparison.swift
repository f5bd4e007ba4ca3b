import DescentData
import DescentOptimizers
import DescentRuns
import Foundation

/// `descent compare`: trains one task with several optimizers × seeds, records every run in a
/// run store under one group, and writes an HTML report.
///
/// With no arguments it is the project's main job: every optimizer of the catalogue on the
/// embedded `digits` data with an MLP (64-64-10, ReLU), 3 seeds each, 20 epochs of batch 32, each
/// optimizer at the learning rate of ``defaultLearningRates`` (the catalogue's defaults are
/// PyTorch's, which for SGD and AdaGrad-Norm are placeholders, not working rates for this task).
public struct Comparison: Sendable {
  /// The task: everything but the optimizer, its learning rate and the seed.
  public var base: TrainingConfiguration
  public var optimizers: [String]
  public var seeds: [UInt64]
  /// Learning rate per optimizer (`--lr` applies one rate to all; absent: ``defaultLearningRates``,
  /// else the catalogue's default).
  public var learningRates: [String: Double]
  public var storePath: String
  public var reportPath: String?
  public var targetLoss: Double?
  /// Folder of the runs' checkpoints (`RUNID.safetensors`), so an interrupted run can resume
  /// with `descent train --resume`; nil: no checkpoints.
  public var checkpointDirectory: String?
  /// When the base configuration sets no evaluation interval: evaluations per run, spread evenly
  /// (for the report's accuracy chart).
  public var evaluationsPerRun = 10
  /// Tune each optimizer's learning rate on this grid before the seeds run (`--tune`): every rate
  /// trains with the first seed on a validation split carved out of the examples that are in the
  /// training split of every seed (no run's test split is seen, ``tuningData``), and each
  /// optimizer then runs at the rate with the lowest validation loss. nil: no tuning.
  public var tuning: LearningRateGrid?

  /// Learning rates of the default job, one per catalogue optimizer, chosen for a small MLP on
  /// standardized tabular data (the usual starting points: 0.05 for SGD with momentum 0.9, 1e-3
  /// for Adam-type methods, 1.0 for Adadelta as in its paper). Catalogue II: plain-SGD rates
  /// for asgd and schedule-free-sgd (no momentum), AdaGrad's for sm3, the references' defaults for
  /// adafactor (1e-2), lars (1 with trust coefficient 1e-3), fromage and madgrad (1e-2, their
  /// papers') and schedule-free-adamw (2.5e-3, Optax's); 1e-2 for the per-tensor normalized
  /// lamb and novograd (steps of about 1% of a tensor's norm); 1e-3 as Rprop's initial step.
  public static let defaultLearningRates: [String: Double] = [
    "sgd": 0.05, "adagrad": 0.05, "adadelta": 1.0, "rmsprop": 1e-3, "adam": 1e-3, "adamw": 1e-3,
    "diffgrad": 1e-3, "adagradnorm": 0.5, "rprop": 1e-3, "asgd": 0.1, "adafactor": 1e-2,
    "lamb": 1e-2, "lars": 1.0, "novograd": 1e-2, "fromage": 1e-2, "sm3": 0.05, "madgrad": 1e-2,
    "schedule-free-adamw": 2.5e-3, "schedule-free-sgd": 0.5,
    // Catalogue II: the references' defaults where they have one (torch), else the papers'
    // starting points (sign methods 1e-4 to 1e-3, Yogi 1e-2, plain optimistic GD as SGD).
    "nadam": 2e-3, "radam": 1e-3, "adamax": 2e-3, "adabelief": 1e-3, "yogi": 1e-2, "lion": 1e-4,
    "adan": 1e-3, "signum": 1e-3, "optimistic-gd": 0.05, "optimistic-adam": 1e-3, "adopt": 1e-3,
    "ademamix": 1e-3,
    // Parameter-free and Polyak-type methods: the learning rate is a multiplier of their own
    // estimated step, 1 as in their references.
    "prodigy": 1.0, "dadapt-adamw": 1.0, "dog": 1.0, "dowg": 1.0, "cocob": 1.0, "momo": 1.0,
    "polyak-sgd": 1.0,
    // Muon: torch.optim.Muon's documented example rate (its AdamW fallback on biases shares it).
    "muon": 0.02,
  ]

  /// Settings of the default job besides the learning rate (SGD runs with momentum).
  public static let defaultSettings: [String: [String: String]] = ["sgd": ["momentum": "0.9"]]

  /// The catalogue entries that `descent compare` leaves out when `--optimizers` is not given,
  /// each with the reason (printed under the table, and `leftOut` in the JSON).
  public static var leftOutByDefault: [LeftOut] {
    let builtIn = Set(OptimizerCatalogue.names)
    return OptimizerCatalogue.available.compactMap { info in
      let reason: String
      switch info.group {
      case .firstOrder:
        if builtIn.contains(info.name) { return nil }
        reason = "registered at run time, not built in"
      case .alias: reason = "an alias with other defaults (8-bit state) of an optimizer already run"
      case .lossAware: reason = "needs Hessian-vector products every step (about twice the cost)"
      case .curvature: reason = "a curvature method with its own training support"
      }
      return LeftOut(name: info.name, reason: reason)
    }
  }

  /// An optimizer the default comparison does not run, and why.
  public struct LeftOut: Codable, Sendable, Equatable {
    public let name: String
    public let reason: String
  }

  /// The default job's task: the default training configuration with 20 epochs.
  public static var defaultBase: TrainingConfiguration {
    var base = TrainingConfiguration()
    base.epochs = 20
    return base
  }

  public init(
    base: TrainingConfiguration = Comparison.defaultBase, optimizers: [String] = OptimizerCatalogue.names,
    seeds: [UInt64] = [0, 1, 2], learningRates: [String: Double] = Comparison.defaultLearningRates,
    storePath: String = RunStore.defaultPath, reportPath: String? = "descent-report.html",
    targetLoss: Double? = nil, checkpointDirectory: String? = "descent-checkpoints"
  ) {
    self.checkpointDirectory = checkpointDirectory
    self.base = base
    self.optimizers = optimizers
    self.seeds = seeds
    self.learningRates = learningRates
    self.storePath = storePath
    self.reportPath = reportPath
    self.targetLoss = targetLoss
  }

  /// What a comparison produced.
  public struct Result: Sendable {
    public var groupID: String
    public var runIDs: [String]
    public var summaries: [TrainingSummary]
    public var table: ComparisonTable
    public var storePath: String
    public var reportPath: String?
    /// The learning-rate tuning per optimizer, when ``Comparison/tuning`` was set.
    public var tuned: [LearningRateTuning] = []
  }

  /// The configuration of one (optimizer, seed) run.
  public func configuration(optimizer: String, seed: UInt64) -> TrainingConfiguration {
    var configuration = base
    configuration.data = DataSource.absoluteSpec(base.data)
    configuration.optimizer = optimizer
    configuration.seed = seed
    if base.learningRate == nil { configuration.learningRate = learningRates[optimizer] }
    if base.settings.isEmpty { configuration.settings = Self.defaultSettings[optimizer] ?? [:] }
    return configuration
  }

  /// Checks every optimizer name and configuration before anything runs.
  public func validate() throws {
    guard !optimizers.isEmpty else { throw TrainingError.usage("--optimizers: give at least one optimizer") }
    guard !seeds.isEmpty else { throw TrainingError.usage("--seeds: give at least one seed") }
    if let targetLoss, !HyperparameterConstraint.finite.admits(targetLoss) {
      throw TrainingError.usage(HyperparameterConstraint.finite.problem(flag: "--target-loss", value: targetLoss))
    }
    if tuning != nil {
      guard base.learningRate == nil else {
        throw TrainingError.usage("--tune and --lr: give one (--tune chooses each optimizer's rate)")
      }
      if case .gptChar = try ModelSpec.parse(base.model) {
        throw TrainingError.usage(
          "--tune: tuning needs a classification dataset with a validation split; \(base.model) "
            + "is a language model (give rates with --lr)")
      }
    }
    for name in optimizers {
      do {
        _ = try OptimizerCatalogue.info(named: name)
      } catch {
        throw TrainingError.usage("--optimizers: \(error)")
      }
      try configuration(optimizer: name, seed: seeds[0]).validate()
    }
  }

  /// Runs every optimizer × seed in order, reporting progress through `progress` (one line per
  /// finished run). A run that fails is recorded as failed and the comparison goes on; a stop
  /// request (Ctrl-C) ends the comparison after the current run is checkpointed and recorded.
  public func run(
    stopRequest: StopRequest? = nil, progress: (String) -> Void = { _ in }
  ) throws -> Result {
    try validate()
    var base = self.base
    if base.evalEvery == 0 && evaluationsPerRun > 0 {
      let steps: Int
      if case .gptChar = try ModelSpec.parse(base.model) {
        steps = try Trainer(configuration: base).totalSteps
      } else {
        let count = try DataSource.load(base.data).count
        let trainCount = count - Int((Double(count) * base.testFraction).rounded(.up))
        steps = base.steps ?? base.epochs * ((trainCount + base.batchSize - 1) / base.batchSize)
      }
      base.evalEvery = max(1, steps / evaluationsPerRun)
    }
    var comparison = self
    comparison.base = base
    var tuned: [LearningRateTuning] = []
    if let tuning {
      tuned = try tune(on: tuning, stopRequest: stopRequest, progress: progress)
      for outcome in tuned { comparison.learningRates[outcome.optimizer] = outcome.best }
      if stopRequest?.isRequested == true {
        throw TrainingError.usage("interrupted while tuning learning rates; nothing compared")
      }
    }
    var result = try comparison.runGrid(stopRequest: stopRequest, progress: progress, tuned: tuned)
    result.tuned = tuned
    return result
  }

  /// The learning rate each optimizer starts from: the comparison's, else the catalogue default.
  func centerRate(of optimizer: String) throws -> Double {
    if let rate = learningRates[optimizer] { return rate }
    let info = try OptimizerCatalogue.info(named: optimizer)
    guard case .number(let rate)? = info.hyperparameters.first(where: { $0.name == "learningRate" })?
      .defaultValue
    else { throw TrainingError.usage("--tune: \(optimizer) has no learning rate") }
    return rate
  }

  /// The examples no run of the comparison holds out: each seed's run splits the data with its
  /// own seed (``trainTestSplit(_:testFraction:seed:)``), so tuning keeps only the examples in
  /// the training split of every seed — no test example of any run is seen while tuning.
  static func tuningData(_ full: TensorDataset, testFraction: Double, seeds: [UInt64])
    -> TensorDataset
  {
    let testCount = Int((testFraction * Double(full.count)).rounded(.up))
    var heldOut = Set<Int>()
    for seed in seeds {
      heldOut.formUnion(shuffledIndices(count: full.count, seed: seed, epoch: 0).prefix(testCount))
    }
    return full.subset(
      (0..<full.count).filter { !heldOut.contains($0) }, name: "\(full.name)-tuning")
  }

  /// Trains every rate of the grid for every optimizer with the first seed on the validation
  /// split, recorded in the store under a group of its own.
  private func tune(
    on grid: LearningRateGrid, stopRequest: StopRequest?, progress: (String) -> Void
  ) throws -> [LearningRateTuning] {
    let seed = seeds[0]
    let full = try DataSource.load(
      base.data, allowNonFiniteFeatures: base.allowNonFiniteFeatures ?? false)
    let development = Self.tuningData(full, testFraction: base.testFraction, seeds: seeds)
    guard development.count >= 4 else {
      throw TrainingError.data(
        "--tune: \(base.data) leaves \(development.count) examples outside every seed's test "
          + "split; too few to hold out a validation split (use fewer seeds or more data)")
    }
    let store = try RunStore(path: storePath)
    let group = try store.createGroup(
      name: "tune lr for compare \(base.model) on \(base.data)",
      configJSON: #"{"grid":"\#(grid.description)"}"#)
    var outcomes: [LearningRateTuning] = []
    for optimizer in optimizers {
      let rates = grid.rates(around: try centerRate(of: optimizer))
      var losses: [Double?] = []
      var runIDs: [String] = []
      for rate in rates {
        if stopRequest?.isRequested == true { return outcomes }
        var configuration = configuration(optimizer: optimizer, seed: seed)
        configuration.learningRate = rate
        configuration.evalEvery = 0
        configuration.checkpointPath = nil
        configuration.data = "\(base.data) (validation split for tuning)"
        let runID = try RunStoreObserver.createRun(
          in: store, configuration: configuration, groupID: group.id)
        runIDs.append(runID)
        let observer = RunStoreObserver(store: store, runID: runID)
        do {
          let trainer = try Trainer(configuration: configuration, dataset: development, runId: runID)
          trainer.observers = [observer]
          let summary = try trainer.run(stopRequest: stopRequest)
          losses.append(summary.evalLoss.isFinite ? summary.evalLoss : nil)
        } catch {
          try? store.failRun(id: runID, message: "\(error)")
          if let error = error as? TrainingError, case .usage = error { throw error }
          guard error is TrainingError else { throw error }
          losses.append(nil)
        }
        if let storeError = observer.storeError { throw storeError }
      }
      let finite = zip(rates, losses).compactMap { rate, loss in loss.map { (rate, $0) } }
      guard let best = finite.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else {
        throw TrainingError.data(
          "--tune: every rate of \(optimizer) failed or diverged on the validation split "
            + "(\(grid.description)); try a lower range")
      }
      progress(
        "\(optimizer): tuned learning rate \(String(format: "%g", best.0)) (validation loss "
          + "\(String(format: "%.4f", best.1)), \(rates.count) rates)")
      outcomes.append(
        LearningRateTuning(
          optimizer: optimizer, rates: rates, validationLosses: losses, best: best.0,
          runIDs: runIDs))
    }
    return outcomes
  }

  private func runGrid(
    stopRequest: StopRequest?, progress: (String) -> Void, tuned: [LearningRateTuning]
  ) throws -> Result {
    let store = try RunStore(path: storePath)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let group = try store.createGroup(
      name: "compare \(base.model) on \(base.data)",
      configJSON: String(decoding: try encoder.encode(base), as: UTF8.self))
    var runIDs: [String] = []
    var summaries: [TrainingSummary] = []
    loop: for optimizer in optimizers {
      for seed in seeds {
        if stopRequest?.isRequested == true { break loop }
        var configuration = configuration(optimizer: optimizer, seed: seed)
        let runID = try RunStoreObserver.createRun(
          in: store, configuration: configuration, groupID: group.id)
        if let checkpointDirectory {
          try FileManager.default.createDirectory(
            atPath: checkpointDirectory, withIntermediateDirectories: true)
          configuration.checkpointPath = "\(checkpointDirectory)/\(runID).safetensors"
        }
        runIDs.append(runID)
        let observer = RunStoreObserver(store: store, runID: runID)
        do {
          let trainer = try Trainer(configuration: configuration, runId: runID)
          trainer.observers = [observer]
          let summary = try trainer.run(stopRequest: stopRequest)
          summaries.append(summary)
          progress(
            "\(optimizer) seed \(seed): eval loss \(String(format: "%.4f", summary.evalLoss)), "
              + "accuracy \(String(format: "%.1f", summary.evalAccuracy * 100))%, "
              + "\(String(format: "%.1f", summary.seconds)) s (\(runID))")
          if summary.status == .interrupted { break loop }
        } catch {
          try? store.failRun(id: runID, message: "\(error)")
          progress("\(optimizer) seed \(seed): failed: \(error) (\(runID))")
        }
        if let storeError = observer.storeError { throw storeError }
      }
    }
    let runs = try runIDs.map { try store.runData(id: $0) }
    let table = ComparisonTable(runs: runs, targetLoss: targetLoss)
    if let reportPath {
      try ReportBuilder(
        runs: runs,
        options: ReportOptions(
          title: "Descent: \(optimizers.count) optimizers × \(seeds.count) seeds, \(base.model) on \(base.data)",
          targetLoss: targetLoss,
          notes: tuned.isEmpty
            ? []
            : [
              "Learning rates tuned on a validation split (\(tuning?.description ?? "")), first "
                + "seed: " + tuned.map { "\($0.optimizer) \(String(format: "%g", $0.best))" }
                .joined(separator: ", ") + "."
            ])
      ).write(to: reportPath)
    }
    return Result(
      groupID: group.id, runIDs: runIDs, summaries: summaries, table: table, storePath: storePath,
      reportPath: reportPath)
  }
}
