import ArgumentParser
import Descent
import DescentOptimizers
import DescentRuns
import DescentTraining
import Foundation

/// `descent train`: trains a model on a dataset with any catalogued optimizer.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a model on a dataset with any optimizer of the catalogue.",
    discussion: """
      Models: mlp[:H1-...|:IN-H1-...-OUT][:act], cnn, resnet20 (see docs/training.md). \
      Data: an embedded name (digits, iris, wine, breast-cancer) or a path (.csv, IDX, CIFAR-10 \
      .bin or folder, FEATURES.npy,LABELS.npy); a seeded fraction is held out for evaluation. \
      gpt-char[:layers=L,heads=H,dim=D,context=T] is a character-level language model on \
      --data kjv or any UTF-8 text file (the tail --test-fraction is held out). \
      Options may come from a TOML file (--config run.toml, keys named like the flags, \
      hyperparameters in a [set] table); the command line wins. \
      Progress: a bar on a terminal, plain lines every --print-every steps otherwise. \
      --format json ends with one JSON object: runId, steps, seconds, finalTrainLoss, evalLoss, \
      evalAccuracy, optimizerStateBytes, finalParametersSHA256 (and status, skippedSteps, \
      checkpointPath); progress then goes to stderr. Ctrl-C (SIGINT/SIGTERM) finishes the step, \
      writes the checkpoint and exits with status 0 and status "interrupted"; \
      --resume CHECKPOINT continues with the saved configuration, bit for bit. \
      Exit status: 0; 64 usage error; 65 bad data, a checkpoint that does not fit, or a \
      non-finite loss/gradient under --on-nonfinite stop.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

  @Option(help: "TOML file of options (the command line wins).") var config: String?
  @Option(help: "Model spec (default mlp).") var model: String?
  @Option(help: "Embedded dataset name or data path (default digits).") var data: String?
  @Option(help: "Optimizer name, see `descent optimizers` (default adam).") var optimizer: String?
  @Option(
    name: .customLong("lr"), parsing: .unconditional,
    help: "Learning rate (default: the optimizer's).")
  var learningRate: String?
  @Option(
    name: .customLong("set"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp("A hyperparameter, key=value (repeatable).", valueName: "key=value"))
  var settings: [String] = []
  @Option(help: "Learning-rate schedule: constant (default), cosine, linear, step, onecycle.")
  var schedule: String?
  @Option(parsing: .unconditional, help: "Linear warm-up steps (default 0).") var warmup: String?
  @OptionGroup var gradientProcessing: GradientProcessingOptions
  @Option(parsing: .unconditional, help: "Batch size (default 32).") var batchSize: String?
  @Option(parsing: .unconditional, help: "Epochs when --steps is not given (default 5).") var epochs: String?
  @Option(parsing: .unconditional, help: "Optimizer steps (overrides --epochs).") var steps: String?
  @Option(parsing: .unconditional, help: "Seed of the split, initialization, data order and dropout (default 0).")
  var seed: String?
  @Option(parsing: .unconditional, help: "Fraction of the data held out for evaluation (default 0.2).")
  var testFraction: String?
  @Flag(
    inversion: .prefixedNo,
    help: "Standardize features with the training split's statistics (default on).")
  var standardize: Bool?
  @Option(parsing: .unconditional, help: "Evaluate every N steps (default 0: at the end only).") var evalEvery: String?
  @Option(parsing: .unconditional, help: "Checkpoint every N steps (default 0: at the end and on interruption only).")
  var checkpointEvery: String?
  @Option(help: "Checkpoint file (default descent-checkpoint.safetensors).") var checkpoint: String?
  @Option(help: "Continue the run saved in this checkpoint (or run id), with its configuration.")
  var resume: String?
  @Option(help: "On a non-finite loss or gradient: stop (default) or skip-step.")
  var onNonfinite: String?
  @Option(parsing: .unconditional, help: "Kernel threads (default: all cores).") var threads: String?
  @Option(help: "Run store (SQLite) to record the run in (default descent-runs.sqlite).")
  var store: String = RunStore.defaultPath
  @Flag(help: "Do not record the run in a run store.") var noStore = false
  @Option(help: "Also write every event as JSON lines to this file.") var log: String?
  @Option(
    parsing: .unconditional,
    help: "Plain progress line every N steps when stdout is not a terminal (default 50).")
  var printEvery: String?
  @Option(help: "Output: text or json.") var format: Format = .text

  func run() throws {
    do {
      try execute()
    } catch let error as TrainingError {
      throw CommandFailure(command: "train", message: error.description, status: error.exitStatus)
        .report()
    } catch let error as RunStoreError {
      throw CommandFailure(
        command: "train", message: error.description,
        status: RunsCommandError.exitStatus(for: error)
      ).report()
    }
  }

  /// Whether any option that defines the run was given (they conflict with --resume).
  private var givesRunOptions: Bool {
    let values: [Any?] = [
      config, model, data, optimizer, learningRate, schedule, warmup, batchSize, epochs, steps,
      seed, testFraction, standardize, evalEvery, checkpointEvery, checkpoint, onNonfinite,
    ]
    return values.contains { $0 != nil } || !settings.isEmpty || gradientProcessing.isGiven
  }

  private func makeConfiguration() throws -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.checkpointPath = "descent-checkpoint.safetensors"
    if let config { try c.apply(configFile: config) }
    if let model { c.model = model }
    if let data { c.data = data }
    if let optimizer { c.optimizer = optimizer }
    if let rate = try number(learningRate, flag: "--lr", rule: .nonNegative, command: "train") {
      c.learningRate = rate
    }
    for (key, value) in try TrainingConfiguration.settings(settings) { c.settings[key] = value }
    if let schedule {
      guard let kind = TrainingConfiguration.ScheduleKind(rawValue: schedule) else {
        throw TrainingError.usage(
          "--schedule \(schedule): unknown; use one of "
            + TrainingConfiguration.ScheduleKind.allCases.map(\.rawValue).joined(separator: ", "))
      }
      c.schedule = kind
    }
    if let onNonfinite {
      guard let policy = TrainingConfiguration.NonFinitePolicy(rawValue: onNonfinite) else {
        throw TrainingError.usage("--on-nonfinite \(onNonfinite): use stop or skip-step")
      }
      c.onNonFinite = policy
    }
    func whole<Value>(_ text: String?, _ flag: String, _ rule: WholeNumberRule<Value>) throws -> Value? {
      try wholeNumber(text, flag: flag, rule: rule, command: "train")
    }
    if let warmup = try whole(warmup, "--warmup", WholeNumberFlags.warmup) { c.warmup = warmup }
    if let size = try whole(batchSize, "--batch-size", WholeNumberFlags.batchSize) { c.batchSize = size }
    if let epochs = try whole(epochs, "--epochs", WholeNumberFlags.epochs) { c.epochs = epochs }
    if let steps = try whole(steps, "--steps", WholeNumberFlags.steps) { c.steps = steps }
    if let seed = try whole(seed, "--seed", WholeNumberFlags.seed) { c.seed = seed }
    if let fraction = try number(
      testFraction, flag: "--test-fraction", rule: .openUnitInterval, command: "train")
    {
      c.testFraction = fraction
    }
    if let standardize { c.standardize = standardize }
    if let every = try whole(evalEvery, "--eval-every", WholeNumberFlags.evalEvery) { c.evalEvery = every }
    if let every = try whole(checkpointEvery, "--checkpoint-every", WholeNumberFlags.checkpointEvery) {
      c.checkpointEvery = every
    }
    if let checkpoint { c.checkpointPath = checkpoint }
    if let threads = try whole(threads, "--threads", WholeNumberFlags.threads) { c.threads = threads }
    try gradientProcessing.apply(to: &c, command: "train")
    return c
  }

  private func execute() throws {
    // Flags that --resume also takes are checked before any file is touched.
    let threads = try wholeNumber(threads, flag: "--threads", rule: WholeNumberFlags.threads, command: "train")
    let printEvery =
      try wholeNumber(printEvery, flag: "--print-every", rule: WholeNumberFlags.printEvery, command: "train")
      ?? 50
    try OutputChecks(files: [("--checkpoint", checkpoint), ("--log", log)]).verify(command: "train")
    let runStore = noStore ? nil : try openRecordingStore(command: "train", path: store)
    let trainer: Trainer
    if let resume {
      guard !givesRunOptions else {
        throw TrainingError.usage(
          "--resume continues the checkpoint's own configuration: drop the other run options "
            + "(only --threads, --log, --print-every and --format apply)")
      }
      var path = resume
      if !FileManager.default.fileExists(atPath: resume), let runStore,
        let saved = try? runStore.run(id: resume).checkpointPath
      {
        path = saved
      }
      guard FileManager.default.fileExists(atPath: path) else {
        throw TrainingError.data(
          "--resume \(resume): no such checkpoint file (nor a run with a checkpoint in \(store))")
      }
      trainer = try Trainer(resumingFrom: URL(fileURLWithPath: path), threads: threads)
    } else {
      var configuration = try makeConfiguration()
      try configuration.validate()
      configuration.data = DataSource.absoluteSpec(configuration.data)
      let runID = try runStore.map {
        try RunStoreObserver.createRun(in: $0, configuration: configuration)
      }
      trainer = try Trainer(configuration: configuration, runId: runID)
    }
    let recorder = runStore.map { RunStoreObserver(store: $0, runID: trainer.runId) }
    if let recorder { trainer.observers.append(recorder) }
    defer {
      if let error = recorder?.storeError {
        StandardStreams.writeError(
          "descent train: warning: the run store \(store) stopped recording: \(error)\n")
      }
    }
    let json = format == .json
    trainer.observers.append(
      ProgressPrinter(isTerminal: json ? false : nil, every: printEvery) { text in
        if json { StandardStreams.writeError(text) } else { StandardStreams.writeOutput(text) }
      })
    if let log { trainer.observers.append(try JSONLinesObserver(url: URL(fileURLWithPath: log))) }
    let stop = StopRequest()
    let sources = stop.installSignalHandlers()
    let summary = try trainer.run(stopRequest: stop)
    for source in sources { source.cancel() }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      print(String(decoding: try encoder.encode(summary), as: UTF8.self))
    } else {
      let skipped = summary.skippedSteps > 0 ? "; \(summary.skippedSteps) steps skipped" : ""
      print(
        "eval loss \(plainNumber(summary.evalLoss)) accuracy \(plainNumber(summary.evalAccuracy))"
          + "\(skipped); parameters SHA-256 " + summary.finalParametersSHA256)
    }
  }
}

/// A number as Swift prints it, but `nan` for every NaN (never `-nan`) and `inf`/`-inf`.
func plainNumber(_ value: Double) -> String {
  if value.isNaN { return "nan" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  return "\(value)"
}
