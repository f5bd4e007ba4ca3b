import Descent
import DescentData
import DescentNN
import DescentOptimizers
import Foundation

/// The JSON object `descent train --format json` ends with.
public struct TrainingSummary: Codable, Sendable, Equatable {
  public var runId: String
  public var status: RunStatus
  public var steps: Int
  /// Training seconds of the whole run: with a resume, those saved in the checkpoint plus this
  /// process's (`Trainer.runSeconds`); metric points time the run the same way.
  public var seconds: Double
  /// Cross-entropy of the last step's batch.
  public var finalTrainLoss: Double?
  public var evalLoss: Double
  public var evalAccuracy: Double
  /// Bytes of the optimizer's state tensors (moments, accumulators).
  public var optimizerStateBytes: Int
  /// SHA-256 over the parameters' bytes (little-endian, tree order), 64 hex digits.
  public var finalParametersSHA256: String
  public var skippedSteps: Int
  public var checkpointPath: String?
  /// Why a failed run stopped (nil otherwise).
  public var failure: String? = nil
}

/// Trains a model from a ``TrainingConfiguration``: cross-entropy on a seeded train/test split,
/// one optimizer step per batch, evaluation and checkpoints at their intervals.
///
/// Deterministic: the split, the initial parameters, the data order and any dropout masks come
/// from the seed (dropout's key is the seed folded with the step), and Descent's kernels give the
/// same bits for any thread count, so the same configuration gives the same final parameters bit
/// for bit — also when the run is stopped and resumed from a checkpoint.
public final class Trainer {
  public let configuration: TrainingConfiguration
  public let runId: String
  public let spec: ModelSpec
  public let trainData: TensorDataset
  public let testData: TensorDataset
  public let totalSteps: Int
  public private(set) var step = 0
  public private(set) var parameters: ParameterTree
  public var observers: [any TrainingObserver] = []
  /// The evaluations ``run(stopAt:stopRequest:)`` made (every `evalEvery` steps and at the end),
  /// in order: held-out loss and accuracy by step. Only this process's: a resumed run starts empty.
  public private(set) var evaluationHistory: [(step: Int, loss: Double, accuracy: Double)] = []

  private var model: any Layer
  let inputShape: [Int]
  private var loader: DataLoader<TensorDataset>
  private let optimizer: Optimizer
  private let schedule: any Schedule
  /// Clipping, accumulation and parameter groups around the optimizer.
  private let processing: GradientProcessing
  private var skippedSteps = 0
  /// Set for `gpt-char`: batches and evaluation come from a character corpus.
  private let languageModel: LanguageModelTask?
  private var lastLoss: Double?
  /// Training seconds of the run before this process's current `run` call: restored from the
  /// checkpoint (`training.seconds`) when resuming, so summaries and metrics time the whole run.
  private var priorSeconds = 0.0
  /// The clock reading at which the current `run` call started.
  private var sessionStart: ContinuousClock.Instant?
  /// Set for SophiaG (`sophia`): its Gauss–Newton–Bartlett estimate every k steps.
  private let sampledLabelEstimate: SampledLabelHessianEstimate?

  /// Prepares a run: loads and splits the data, builds the model and the optimizer. Throws a
  /// one-line ``TrainingError`` for anything the configuration gets wrong.
  public convenience init(configuration: TrainingConfiguration, runId: String? = nil) throws {
    try self.init(configuration: configuration, dataset: nil, runId: runId)
  }

  /// Prepares a run on `dataset`, held in memory (generated data, a dataset built in code),
  /// instead of loading `configuration.data`, which then only names the data in summaries and
  /// the run store. A checkpoint of such a run cannot be resumed by `descent train --resume`,
  /// which would look for the data by that name.
  public convenience init(
    configuration: TrainingConfiguration, dataset: TensorDataset, runId: String? = nil
  ) throws {
    try self.init(configuration: configuration, dataset: .some(dataset), runId: runId)
  }

  private init(
    configuration: TrainingConfiguration, dataset: TensorDataset?, runId: String?
  ) throws {
    try configuration.validate()
    // Saved in checkpoints: data files absolute, so `--resume` works from any folder.
    var stored = configuration
    if dataset == nil { stored.data = DataSource.absoluteSpec(configuration.data) }
    self.configuration = stored
    self.runId = runId ?? UUID().uuidString.lowercased()
    spec = try ModelSpec.parse(configuration.model)
    if case .gptChar(let options) = spec {
      let task = try LanguageModelTask(configuration: configuration, options: options)
      languageModel = task
      // The classification fields hold one placeholder row; the task supplies the data.
      let placeholder = TensorDataset(
        name: task.corpus.name, features: .zeros([1, 1]),
        labels: Tensor(scalars: [Int32(0)], shape: [1]))
      trainData = placeholder
      testData = placeholder
      inputShape = [task.contextLength]
      model = task.model
      parameters = model.parameters
      loader = DataLoader(placeholder, batchSize: 1, shuffle: false, seed: configuration.seed)
      totalSteps = configuration.steps ?? configuration.epochs * task.stepsPerEpoch
    } else {
      languageModel = nil
      let full =
        try dataset
        ?? DataSource.load(
          configuration.data, allowNonFiniteFeatures: configuration.allowNonFiniteFeatures ?? false)
      guard full.count >= 2 else {
        throw TrainingError.data(
          "--data \(configuration.data): \(full.count) example(s); need at least 2")
      }
      let testCount = Int((configuration.testFraction * Double(full.count)).rounded(.up))
      guard testCount < full.count else {
        throw TrainingError.usage(
          "--test-fraction \(configuration.testFraction): holds out all \(full.count) examples of "
            + "\(configuration.data), leaving none to train on; use at most "
            + String(
              format: "%.3f",
              (Double(full.count - 1) / Double(full.count) * 1000).rounded(.down) / 1000))
      }
      var (train, test) = trainTestSplit(
        full, testFraction: configuration.testFraction, seed: configuration.seed)
      if configuration.standardize {
        let standardization = Standardization(fitting: train.features)
        train = standardization.apply(to: train)
        test = standardization.apply(to: test)
      }
      trainData = train
      testData = test
      inputShape = try spec.inputShape(featureShape: full.featureShape, dataName: full.name)
      model = try spec.build(
        inputShape: inputShape, classCount: full.classCount,
        key: RandomKey(seed: configuration.seed))
      parameters = model.parameters
      loader = DataLoader(
        train, batchSize: configuration.batchSize, shuffle: true,
        seed: configuration.seed &+ 0x5EED)
      totalSteps = configuration.steps ?? configuration.epochs * loader.batchesPerEpoch
    }
    let info: OptimizerInfo
    let base: Double
    do {
      info = try OptimizerCatalogue.info(named: configuration.optimizer)
      let values = try info.resolvedValues(
        learningRate: configuration.learningRate, settings: configuration.settings)
      guard case .number(let lr)? = values["learningRate"] else {
        throw TrainingError.usage("optimizer \(info.name) has no learningRate")
      }
      base = lr
    } catch let error as OptimizerError {
      throw TrainingError.usage(error.description)
    }
    processing = GradientProcessing(configuration)
    schedule = learningRateSchedule(
      configuration.schedule, base: base,
      totalSteps: processing.optimizerSteps(forBatches: totalSteps), warmup: configuration.warmup)
    // A constant schedule keeps the catalogue's constant learning rate; any other is set as the
    // optimizer's learning-rate hyperparameter (it reads it at each step).
    let constant = configuration.schedule == .constant && configuration.warmup == 0
    let transformation: any GradientTransformation
    do {
      let rate: (any Schedule)? = constant ? nil : schedule
      let layer: any Layer = model
      let runConfiguration = configuration
      let made = try Self.transformation(
        info, configuration: runConfiguration, model: layer, learningRateSchedule: rate)
      // Muon on a model without matrices would silently be AdamW: say so instead.
      if made is Muon, let explanation = Muon.explainFallback(for: parameters) {
        throw TrainingError.usage(explanation)
      }
      transformation = try processing.wrap(made, info: info) { extra in
        var changed = runConfiguration
        changed.settings.merge(extra) { _, new in new }
        return try Self.transformation(
          info, configuration: changed, model: layer, learningRateSchedule: rate)
      }
    } catch let error as OptimizerError {
      throw TrainingError.usage(error.description)
    }
    sampledLabelEstimate = SampledLabelHessianEstimate(transformation, seed: configuration.seed)
    optimizer = Optimizer(erasing: transformation, for: parameters, seed: configuration.seed)
  }

  /// The catalogue optimizer `info` with the configuration's learning rate and settings. The
  /// parameters whose layers ask for 32-bit optimizer state (`StableEmbedding`'s weight,
  /// `Layer.fullPrecisionStatePaths`) keep it when the optimizer runs with `stateBits=8`.
  static func transformation(
    _ info: OptimizerInfo, configuration: TrainingConfiguration, model: any Layer,
    learningRateSchedule: (any Schedule)? = nil
  ) throws -> any GradientTransformation {
    try info.make(
      learningRate: configuration.learningRate, settings: configuration.settings,
      fullPrecisionStatePaths: Set(model.fullPrecisionStatePaths),
      learningRateSchedule: learningRateSchedule)
  }

  /// Continues the run saved in the checkpoint at `url` (its configuration and run id come from
  /// the file). A file that is not a Descent training checkpoint, or one that does not fit,
  /// throws ``TrainingError/data(_:)``.
  /// `threads` (if given) replaces the saved thread count.
  /// `flag` names the option that gave the checkpoint in error messages (`--resume` for
  /// `descent train`, `--checkpoint` for `descent hessian`). A configuration saved in the file
  /// that cannot be read or is invalid is bad input data (exit 65), named with the file.
  public convenience init(resumingFrom url: URL, threads: Int? = nil, flag: String = "--resume")
    throws
  {
    let checkpoint: TrainingCheckpoint
    do { checkpoint = try TrainingCheckpoint.read(from: url) } catch let error as DataError {
      throw TrainingError.data("\(flag): \(error.description)")
    }
    guard let text = checkpoint.metadata[Self.configurationKey] else {
      throw TrainingError.data(
        "\(flag) \(url.path): no training configuration (\(Self.configurationKey)) in the "
          + "checkpoint; was it written by `descent train`?")
    }
    var configuration: TrainingConfiguration
    do {
      configuration = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(text.utf8))
    } catch let error as DecodingError {
      throw TrainingError.data(
        "\(flag) \(url.path): its \(Self.configurationKey) is unreadable (\(error.oneLine)); "
          + "was it edited by hand?")
    } catch {
      throw TrainingError.data(
        "\(flag) \(url.path): its \(Self.configurationKey) is not valid JSON; was it edited by hand?"
      )
    }
    if let threads { configuration.threads = threads }
    configuration.checkpointPath = url.path
    do {
      try self.init(configuration: configuration, runId: checkpoint.metadata[Self.runIdKey])
    } catch let error as TrainingError {
      throw TrainingError.data(
        "\(flag) \(url.path): the saved configuration does not hold: \(error.description)")
    }
    try restore(checkpoint, from: url.path, flag: flag)
  }

  static let configurationKey = "training.configuration"
  static let runIdKey = "training.runId"
  static let secondsKey = "training.seconds"
  /// The last step's training loss and the skipped-step count, so that resuming a run saved at
  /// its end (or anywhere) reports the run's own values, not this process's (none).
  static let lastLossKey = "training.lastLoss"
  static let skippedStepsKey = "training.skippedSteps"

  /// Seconds the run has trained so far, over every process that worked on it: the seconds saved
  /// in the checkpoint it resumed from (none for checkpoints written before they were saved) plus
  /// the time since the current `run` call started.
  public var runSeconds: Double {
    guard let sessionStart else { return priorSeconds }
    let d = ContinuousClock.now - sessionStart
    return priorSeconds + Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  private func restore(_ checkpoint: TrainingCheckpoint, from path: String, flag: String) throws {
    func bad(_ detail: String) -> TrainingError {
      .data("\(flag) \(path): \(detail); the checkpoint does not belong to this configuration")
    }
    guard checkpoint.parameters.paths == parameters.paths else {
      throw bad("its parameters \(checkpoint.parameters.paths.prefix(4))… differ from the model's")
    }
    for (mine, theirs) in zip(parameters.entries, checkpoint.parameters.entries)
    where mine.tensor.shape != theirs.tensor.shape || mine.tensor.dtype != theirs.tensor.dtype {
      throw bad(
        "\(mine.path) is \(theirs.tensor.dtype) \(theirs.tensor.shape), the model has "
          + "\(mine.tensor.dtype) \(mine.tensor.shape)")
    }
    do {
      try optimizer.loadStateDictionary(
        checkpoint.optimizerState, archive: checkpoint.optimizerArchive)
    } catch let error as OptimizerError {
      throw bad(error.description)
    } catch let error as DecodingError {
      throw bad("its optimizer state is unreadable (\(error.oneLine))")
    }
    if let state = checkpoint.loader {
      do { try loader.restore(state) } catch let error as DataError { throw bad(error.description) }
    }
    guard optimizer.stepCount == checkpoint.step else {
      throw bad("step \(checkpoint.step) but optimizer step \(optimizer.stepCount)")
    }
    var state = checkpoint.parameters
    for (path, tensor) in checkpoint.buffers.entries { state.append(path, tensor) }
    do {
      try model.loadStateDict(state, strict: true)
    } catch let error as StateLoadingError {
      throw bad(error.description)
    }
    parameters = checkpoint.parameters
    step = checkpoint.step
    if let text = checkpoint.metadata[Self.secondsKey] {
      guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
        throw bad("\(Self.secondsKey) is '\(text)', not a number of seconds ≥ 0")
      }
      priorSeconds = seconds
    }
    if let text = checkpoint.metadata[Self.lastLossKey] {
      guard let loss = Double(text) else {
        throw bad("\(Self.lastLossKey) is '\(text)', not a number")
      }
      lastLoss = loss
    }
    if let text = checkpoint.metadata[Self.skippedStepsKey] {
      guard let count = Int(text), (0...step).contains(count) else {
        throw bad("\(Self.skippedStepsKey) is '\(text)', not a step count from 0 to \(step)")
      }
      skippedSteps = count
    }
  }

  /// The model with the current parameters.
  public var currentModel: any Layer { model.with(parameters: parameters) }

  /// The model at the optimizer's evaluation point, where ``evaluate()`` measures it: the
  /// averaged iterate x of the schedule-free methods (``Optimizer/evaluationParameters(_:)``),
  /// else the current parameters.
  public var evaluationModel: any Layer {
    model.with(parameters: optimizer.evaluationParameters(parameters))
  }

  /// The optimizer's current state, typed: `trainer.optimizerState(as: SophiaG.State.self)`
  /// (nil for another type).
  public func optimizerState<S>(as type: S.Type) -> S? { optimizer.state(as: type) }

  /// Learning rate at the step about to be taken.
  public var learningRate: Double {
    schedule.value(atStep: processing.optimizerStep(forBatch: step))
  }

  /// SHA-256 over the parameters' bytes in tree order.
  public var parametersSHA256: String { Self.sha256(of: parameters) }

  public static func sha256(of tree: ParameterTree) -> String {
    var hash = SHA256()
    for tensor in tree.tensors { hash.update(tensor.bytes) }
    return hash.hexDigest
  }

  /// Trains until ``totalSteps`` (or `stopAt`, or until `stopRequest` is set), then evaluates,
  /// writes the final checkpoint if a path is configured, and tells the observers.
  @discardableResult
  public func run(stopAt: Int? = nil, stopRequest: StopRequest? = nil) throws -> TrainingSummary {
    let threads = configuration.threads ?? Parallelism.threadCount
    return try withThreads(threads) { try runLoop(stopAt: stopAt, stopRequest: stopRequest) }
  }

  private func runLoop(stopAt: Int?, stopRequest: StopRequest?) throws -> TrainingSummary {
    // A run resumed at its end (`--resume` of a finished run) trains nothing: its checkpoint
    // stays as written and the summary is the finished run's (its seconds, last loss, skipped
    // steps), with the evaluation recomputed — the same numbers, bit for bit.
    let complete = step >= totalSteps
    sessionStart = complete ? nil : ContinuousClock.now
    defer {
      priorSeconds = runSeconds
      sessionStart = nil
    }
    func elapsed() -> Double { runSeconds }
    for observer in observers {
      observer.runStarted(
        RunStart(
          runId: runId, configuration: configuration, totalSteps: totalSteps, startStep: step,
          parameterCount: parameters.scalarCount))
    }
    let end = min(totalSteps, stopAt ?? totalSteps)
    var status = RunStatus.finished
    do {
      while step < end {
        if stopRequest?.isRequested == true {
          status = .interrupted
          break
        }
        try trainStep(elapsed: elapsed)
        if configuration.evalEvery > 0, step % configuration.evalEvery == 0, step < totalSteps {
          let (loss, accuracy) = evaluate()
          evaluationHistory.append((step, loss, accuracy))
          for observer in observers {
            observer.evaluated(step: step, loss: loss, accuracy: accuracy)
          }
        }
        if configuration.checkpointEvery > 0, step % configuration.checkpointEvery == 0,
          step < end
        {
          try writeCheckpoint()
        }
      }
      if step < totalSteps, status == .finished { status = .interrupted }
    } catch {
      var summary = makeSummary(status: .failed, seconds: elapsed(), evaluation: (.nan, .nan))
      summary.failure = "\(error)"
      for observer in observers { observer.runEnded(status: .failed, summary: summary) }
      throw error
    }
    if !complete { try writeCheckpoint() }
    let evaluation = evaluate()
    evaluationHistory.append((step, evaluation.loss, evaluation.accuracy))
    for observer in observers {
      observer.evaluated(step: step, loss: evaluation.loss, accuracy: evaluation.accuracy)
    }
    let summary = makeSummary(status: status, seconds: elapsed(), evaluation: evaluation)
    for observer in observers { observer.runEnded(status: status, summary: summary) }
    return summary
  }

  private func makeSummary(
    status: RunStatus, seconds: Double, evaluation: (loss: Double, accuracy: Double)
  ) -> TrainingSummary {
    // Tensors, 8-bit codes and scales, and scalar accumulators (AdaGrad-Norm): stateBytes(of:).
    let stateBytes = optimizer.stateBytes
    return TrainingSummary(
      runId: runId, status: status, steps: step, seconds: seconds, finalTrainLoss: lastLoss,
      evalLoss: evaluation.loss, evalAccuracy: evaluation.accuracy,
      optimizerStateBytes: stateBytes, finalParametersSHA256: parametersSHA256,
      skippedSteps: skippedSteps, checkpointPath: configuration.checkpointPath)
  }

  private func trainStep(elapsed: () -> Double) throws {
    let x: Tensor
    let labels: Tensor
    let epoch: Int
    if let languageModel {
      (x, labels) = languageModel.batch(step: step)
      epoch = step / languageModel.stepsPerEpoch
    } else {
      let batch = loader.next()
      x = batch.features.reshaped([batch.labels.count] + inputShape)
      labels = batch.labels
      epoch = batch.epoch
    }
    let context = ForwardContext.training(
      key: RandomKey(seed: configuration.seed).folded(in: UInt64(step)))
    let model = self.model
    var logits = Tensor.zeros([])
    let batchLoss: (ParameterTree) -> Tensor = { p in
      var out = model.with(parameters: p)(x, context: context)
      // A language model's [B, T, V] logits: one prediction per position.
      if out.rank == 3 { out = out.reshaped([labels.count, out.shape[2]]) }
      logits = out.detached()
      return crossEntropy(logits: out, labels: labels)
    }
    // SophiaG: the sampled-label estimate after every k-th step, on this step's batch.
    sampledLabelEstimate?.update(completedSteps: step, parameters: parameters) { p in
      let out = model.with(parameters: p)(x, context: context)
      return out.rank == 3 ? out.reshaped([labels.count, out.shape[2]]) : out
    }
    // An optimizer that takes Hessian-vector products on this step (AdaHessian, SophiaH) gets
    // them from the gradient's own graph, which saves it a forward and a backward pass.
    let curvature =
      optimizer.usesHessianVectorProductsOnNextStep
      ? valueGradAndCurvature(of: batchLoss, at: parameters) : nil
    let (value, gradients) =
      curvature.map { ($0.value, $0.gradient) } ?? valueAndGrad(of: batchLoss, at: parameters)
    let loss = Double(value.cast(to: .float64).scalars(as: Double.self)[0])
    let learningRate = schedule.value(atStep: processing.optimizerStep(forBatch: step))
    let nonFinite = gradients.entries.first { !allFinite($0.tensor) }?.path
    let skip = !loss.isFinite || nonFinite != nil
    if skip {
      let what =
        (loss.isFinite ? "loss \(loss) is finite but" : "loss is \(loss);")
        + (nonFinite.map { " the first non-finite gradient is \($0)" }
          ?? " every gradient is finite")
      if configuration.onNonFinite == .stop {
        throw TrainingError.nonFinite(step: step + 1, detail: what)
      }
      skippedSteps += 1
    } else {
      // The batch's loss as a function of the parameters, for curvature methods (AdaHessian).
      let lossFunction: @Sendable (ParameterTree) throws -> Tensor = { p in
        var out = model.with(parameters: p)(x, context: context)
        if out.rank == 3 { out = out.reshaped([labels.count, out.shape[2]]) }
        return crossEntropy(logits: out, labels: labels)
      }
      try optimizer.step(
        &parameters, gradients: gradients, loss: loss, lossFunction: lossFunction,
        curvature: curvature)
      // A finite but huge update can still overflow a parameter. The step cannot be undone
      // without a copy of every parameter and moment per step, so this stops under both policies.
      if let path = parameters.entries.first(where: { !allFinite($0.tensor) })?.path {
        throw TrainingError.nonFinite(
          step: step + 1,
          detail: "loss \(loss) and gradients were finite but the update made \(path) non-finite")
      }
    }
    step += 1
    // A skipped step leaves parameters and moments as they were but still counts, so that the
    // schedule and the data order stay aligned with the step number.
    if skip { optimizer.skipStep() }
    lastLoss = loss
    let record = StepRecord(
      step: step, epoch: epoch, loss: loss, accuracy: accuracy(logits, labels),
      learningRate: learningRate, seconds: elapsed(), skipped: skip)
    for observer in observers { observer.stepFinished(record) }
  }

  /// Mean cross-entropy and accuracy on the held-out split, at the optimizer's evaluation point
  /// (``evaluationModel``).
  public func evaluate() -> (loss: Double, accuracy: Double) {
    let model = evaluationModel
    if let languageModel { return languageModel.evaluate(model: model) }
    return Self.evaluate(model: model, data: testData, inputShape: inputShape)
  }

  /// Mean cross-entropy and accuracy of `model` on `data`, in chunks of 512 examples.
  public static func evaluate(model: any Layer, data: TensorDataset, inputShape: [Int]) -> (
    loss: Double, accuracy: Double
  ) {
    withoutGradients {
      var total = 0.0
      var correct = 0.0
      let n = data.count
      var start = 0
      while start < n {
        let indices = Array(start..<min(n, start + 512))
        let part = data.subset(indices)
        let x = part.features.reshaped([indices.count] + inputShape)
        let logits = model(x, context: .evaluation)
        let loss = crossEntropy(logits: logits, labels: part.labels, reduction: .sum)
        total += loss.cast(to: .float64).scalars(as: Double.self)[0]
        correct += accuracy(logits, part.labels) * Double(indices.count)
        start += 512
      }
      return (total / Double(max(n, 1)), correct / Double(max(n, 1)))
    }
  }

  /// Writes the checkpoint (if a path is configured) and tells the observers.
  public func writeCheckpoint() throws {
    guard let path = configuration.checkpointPath else { return }
    let archive = TensorArchive()
    let state = try optimizer.stateDictionary(archive: archive)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let configurationText = String(decoding: try encoder.encode(configuration), as: UTF8.self)
    do {
      try TrainingCheckpoint(
        parameters: parameters, buffers: model.buffers, step: step, optimizerState: state,
        optimizerTensors: archive.tensors, loader: loader.state,
        random: RandomGenerator(seed: configuration.seed),
        metadata: [
          Self.configurationKey: configurationText, Self.runIdKey: runId,
          Self.secondsKey: "\(runSeconds)", Self.skippedStepsKey: "\(skippedSteps)",
        ].merging(lastLoss.map { [Self.lastLossKey: "\($0)"] } ?? [:]) { a, _ in a }
      ).write(to: URL(fileURLWithPath: path))
    } catch let error as DataError {
      throw TrainingError.data("--checkpoint: \(error.description)")
    }
    for observer in observers { observer.checkpointWritten(path: path, step: step) }
  }
}

/// Fraction of rows whose largest logit is at the label.
func accuracy(_ logits: Tensor, _ labels: Tensor) -> Double {
  guard logits.rank == 2, logits.shape[0] > 0 else { return .nan }
  let predicted = logits.argmax(axis: 1).cast(to: .int32).scalars(as: Int32.self)
  let truth = labels.scalars(as: Int32.self)
  return Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
}

func allFinite(_ tensor: Tensor) -> Bool {
  switch tensor.dtype {
  case .float32: tensor.withUnsafeBufferPointer(as: Float.self) { $0.allSatisfy(\.isFinite) }
  case .float64: tensor.withUnsafeBufferPointer(as: Double.self) { $0.allSatisfy(\.isFinite) }
  default: true
  }
}
