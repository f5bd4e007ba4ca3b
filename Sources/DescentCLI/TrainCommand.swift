import ArgumentParser
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
      .bin or folder, FEATURES.npy,LABELS.npy); 20 % is held out (seeded) for evaluation. \
      Progress: a bar on a terminal, plain lines every --print-every steps otherwise. \
      --format json ends with one JSON object: runId, steps, seconds, finalTrainLoss, evalLoss, \
      evalAccuracy, optimizerStateBytes, finalParametersSHA256 (and status, skippedSteps, \
      checkpointPath). Ctrl-C (SIGINT/SIGTERM) finishes the step, writes the checkpoint and \
      exits with status 0 and status "interrupted"; --resume CHECKPOINT continues bit for bit. \
      Exit status: 0; 64 usage error; 65 bad data, a checkpoint that does not fit, or a \
      non-finite loss/gradient under --on-nonfinite stop.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

  @Option(help: "Model spec.") var model: String = "mlp"
  @Option(help: "Embedded dataset name or data path.") var data: String = "digits"
  @Option(help: "Optimizer name (see `descent optimizers`).") var optimizer: String = "adam"
  @Option(name: .customLong("lr"), parsing: .unconditional, help: "Learning rate (default: the optimizer's).")
  var learningRate: Double?
  @Option(
    name: .customLong("set"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp("A hyperparameter, key=value (repeatable).", valueName: "key=value"))
  var settings: [String] = []
  @Option(help: "Learning-rate schedule: constant, cosine, linear, step, onecycle.")
  var schedule: String = "constant"
  @Option(help: "Linear warm-up steps.") var warmup: Int = 0
  @Option(help: "Batch size.") var batchSize: Int = 32
  @Option(help: "Epochs (when --steps is not given).") var epochs: Int = 5
  @Option(help: "Optimizer steps (overrides --epochs).") var steps: Int?
  @Option(help: "Seed of the split, initialization, data order and dropout.") var seed: UInt64 = 0
  @Option(help: "Fraction of the data held out for evaluation.") var testFraction: Double = 0.2
  @Flag(inversion: .prefixedNo, help: "Standardize features with the training split's statistics.")
  var standardize: Bool = true
  @Option(help: "Evaluate every N steps (0: at the end only).") var evalEvery: Int = 0
  @Option(help: "Checkpoint every N steps (0: at the end and on interruption only).")
  var checkpointEvery: Int = 0
  @Option(help: "Checkpoint file.") var checkpoint: String = "descent-checkpoint.safetensors"
  @Option(help: "Continue the run saved in this checkpoint (its configuration is used).")
  var resume: String?
  @Option(help: "On a non-finite loss or gradient: stop or skip-step.") var onNonfinite: String = "stop"
  @Option(help: "Kernel threads (results do not depend on it).") var threads: Int?
  @Option(help: "Also write every event as JSON lines to this file.") var log: String?
  @Option(help: "Plain progress line every N steps when stdout is not a terminal.")
  var printEvery: Int = 50
  @Option(help: "Output: text or json.") var format: Format = .text

  func run() throws {
    do {
      try execute()
    } catch let error as TrainingError {
      throw CommandFailure(command: "train", message: error.description, status: error.exitStatus)
        .report()
    }
  }

  private func makeConfiguration() throws -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.model = model
    c.data = data
    c.optimizer = optimizer
    c.learningRate = learningRate
    c.settings = try TrainingConfiguration.settings(settings)
    guard let kind = TrainingConfiguration.ScheduleKind(rawValue: schedule) else {
      throw TrainingError.usage(
        "--schedule \(schedule): unknown; use one of "
          + TrainingConfiguration.ScheduleKind.allCases.map(\.rawValue).joined(separator: ", "))
    }
    c.schedule = kind
    guard let policy = TrainingConfiguration.NonFinitePolicy(rawValue: onNonfinite) else {
      throw TrainingError.usage("--on-nonfinite \(onNonfinite): use stop or skip-step")
    }
    c.onNonFinite = policy
    c.warmup = warmup
    c.batchSize = batchSize
    c.epochs = epochs
    c.steps = steps
    c.seed = seed
    c.testFraction = testFraction
    c.standardize = standardize
    c.evalEvery = evalEvery
    c.checkpointEvery = checkpointEvery
    c.checkpointPath = checkpoint
    c.threads = threads
    return c
  }

  private func execute() throws {
    let trainer: Trainer
    if let resume {
      guard FileManager.default.fileExists(atPath: resume) else {
        throw TrainingError.data("--resume: file \(resume) does not exist; check the path")
      }
      trainer = try Trainer(resumingFrom: URL(fileURLWithPath: resume))
    } else {
      trainer = try Trainer(configuration: try makeConfiguration())
    }
    let progress = ProgressPrinter(
      isTerminal: format == .json ? false : nil, every: printEvery,
      write: { text in
        if format == .json {
          FileHandle.standardError.write(Data(text.utf8))
        } else {
          FileHandle.standardOutput.write(Data(text.utf8))
        }
      })
    trainer.observers.append(progress)
    if let log { trainer.observers.append(try JSONLinesObserver(url: URL(fileURLWithPath: log))) }
    let stop = StopRequest()
    let sources = stop.installSignalHandlers()
    let summary = try trainer.run(stopRequest: stop)
    sources.forEach { $0.cancel() }
    if format == .json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      print(String(decoding: try encoder.encode(summary), as: UTF8.self))
    } else {
      print(
        "eval loss \(summary.evalLoss) accuracy \(summary.evalAccuracy); parameters SHA-256 "
          + summary.finalParametersSHA256)
    }
  }
}
