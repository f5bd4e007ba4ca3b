import ArgumentParser
import Descent
import DescentOptimizers
import DescentRuns
import DescentTraining
import Foundation

/// `descent compare`: several optimizers × seeds on one task; the project's main job.
struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Compare optimizers × seeds on one task: run store, summary table, HTML report.",
    discussion: """
      With no arguments: every optimizer of the catalogue (each at the learning rate listed in \
      docs/training.md), 3 seeds, an MLP 64-64-10 on the embedded digits data, 20 epochs. Every \
      run goes into the run store (--store, default ./descent-runs.sqlite) under one group, with \
      a checkpoint in --checkpoint-dir; the summary table (mean ± std over seeds) is printed and \
      the report written to --report (default ./descent-report.html). Ctrl-C stops after the \
      current run is checkpointed and recorded as interrupted. Exit status: 0; 64 usage error; \
      65 bad data; 1 otherwise.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

  @Option(help: "Comma-separated optimizers (default: the whole catalogue).") var optimizers: String?
  @Option(parsing: .unconditional, help: "Comma-separated seeds (default 0,1,2).") var seeds: String?
  @Option(help: "Model spec (default mlp).") var model: String?
  @Option(help: "Embedded dataset name or data path (default digits).") var data: String?
  @Option(
    name: .customLong("lr"), parsing: .unconditional,
    help: "One learning rate for every optimizer (default: per optimizer, see docs/training.md).")
  var learningRate: String?
  @Option(
    name: .customLong("set"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp("A hyperparameter for every optimizer, key=value (repeatable).", valueName: "key=value"))
  var settings: [String] = []
  @Option(parsing: .unconditional, help: "Batch size (default 32).") var batchSize: String?
  @Option(parsing: .unconditional, help: "Epochs (default 20).") var epochs: String?
  @Option(parsing: .unconditional, help: "Optimizer steps per run (overrides --epochs).") var steps: String?
  @Option(parsing: .unconditional, help: "Evaluate every N steps (default: 1/10 of the run).") var evalEvery: String?
  @Option(help: "Run store (default ./descent-runs.sqlite).") var store: String = "descent-runs.sqlite"
  @Option(help: "Report file (default ./descent-report.html).") var report: String = "descent-report.html"
  @Option(help: "Checkpoint folder (default ./descent-checkpoints).")
  var checkpointDir: String = "descent-checkpoints"
  @Option(parsing: .unconditional, help: "Loss level for the 'to target' column (default: automatic).") var targetLoss: String?
  @Option(parsing: .unconditional, help: "Kernel threads (default: all cores).") var threads: String?
  @OptionGroup var gradientProcessing: GradientProcessingOptions
  @Option(
    help: ArgumentHelp(
      "Tune each optimizer's learning rate on a validation split first: lr (±2 octaves around "
        + "its rate), lr=LO:HI or lr=LO:HI:PER_OCTAVE (default 4 per octave).",
      valueName: "lr[=LO:HI[:N]]"))
  var tune: String?
  @Option(help: "Output: text or json.") var format: Format = .text

  func run() throws {
    do {
      try execute()
    } catch let error as TrainingError {
      throw CommandFailure(command: "compare", message: error.description, status: error.exitStatus)
        .report()
    } catch let error as RunStoreError {
      throw CommandFailure(
        command: "compare", message: error.description,
        status: RunsCommandError.exitStatus(for: error)
      ).report()
    }
  }

  /// The comma-separated values of `flag`; a repeated value is refused (`adam,adam` or `0,0`
  /// would be reported as independent runs).
  private func list<T: Hashable>(
    _ text: String?, _ flag: String, requirement: String = "", _ parse: (String) -> T?
  ) throws -> [T]? {
    guard let text else { return nil }
    let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    var seen: Set<T> = []
    return try items.map { item in
      if let value = parse(item), !seen.insert(value).inserted {
        throw TrainingError.usage(
          "--\(flag) \(text): '\(item)' is given twice; list each value once")
      }
      guard let value = parse(item) else {
        throw TrainingError.usage(
          "--\(flag) \(text): '\(item)' is not valid"
            + (requirement.isEmpty ? "" : ": each must be \(requirement)")
            + "; give a comma-separated list")
      }
      return value
    }
  }

  private func execute() throws {
    try OutputChecks(files: [("--report", report)], folders: [("--checkpoint-dir", checkpointDir)])
      .verify(command: "compare")
    var base = Comparison.defaultBase
    if let model { base.model = model }
    if let data { base.data = data }
    if let rate = try number(learningRate, flag: "--lr", rule: .nonNegative, command: "compare") {
      base.learningRate = rate
    }
    for (key, value) in try TrainingConfiguration.settings(settings) { base.settings[key] = value }
    func whole(_ text: String?, _ flag: String, _ rule: WholeNumberRule<Int>) throws -> Int? {
      try wholeNumber(text, flag: flag, rule: rule, command: "compare")
    }
    if let size = try whole(batchSize, "--batch-size", WholeNumberFlags.batchSize) { base.batchSize = size }
    if let epochs = try whole(epochs, "--epochs", WholeNumberFlags.epochs) { base.epochs = epochs }
    if let steps = try whole(steps, "--steps", WholeNumberFlags.steps) { base.steps = steps }
    if let threads = try whole(threads, "--threads", WholeNumberFlags.threads) { base.threads = threads }
    try gradientProcessing.apply(to: &base, command: "compare")
    base.evalEvery = try whole(evalEvery, "--eval-every", WholeNumberFlags.evalEvery) ?? 0
    var comparison = Comparison(
      base: base, storePath: store, reportPath: report,
      targetLoss: try number(targetLoss, flag: "--target-loss", rule: .finite, command: "compare"),
      checkpointDirectory: checkpointDir)
    if let names = try list(optimizers, "optimizers", { $0.isEmpty ? nil : $0 }) {
      comparison.optimizers = names
    }
    if let seeds = try list(
      seeds, "seeds", requirement: WholeNumberFlags.seed.requirement,
      { WholeNumberFlags.seed.value(of: $0) }) { comparison.seeds = seeds }
    if evalEvery == nil { comparison.evaluationsPerRun = 10 }
    if let tune { comparison.tuning = try LearningRateGrid.parse(tune) }
    _ = try openRecordingStore(command: "compare", path: store)
    let stop = StopRequest()
    let sources = stop.installSignalHandlers()
    defer { withExtendedLifetime(sources) {} }
    let json = format == .json
    let started = Date()
    let result = try comparison.run(stopRequest: stop) { line in
      StandardStreams.writeError(line + "\n")
    }
    let seconds = Date().timeIntervalSince(started)
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      struct Output: Encodable {
        var groupId: String
        var runIds: [String]
        var store: String
        var report: String?
        var seconds: Double
        var rows: [DescentRuns.ComparisonTable.Row]
        var tuning: [LearningRateTuning]
        var leftOut: [Comparison.LeftOut]
      }
      let output = Output(
        groupId: result.groupID, runIds: result.runIDs, store: result.storePath,
        report: result.reportPath, seconds: seconds, rows: result.table.rows, tuning: result.tuned,
        leftOut: optimizers == nil ? Comparison.leftOutByDefault : [])
      print(String(decoding: try encoder.encode(output), as: UTF8.self))
    } else {
      print(result.table.text)
      if !result.tuned.isEmpty {
        print(
          "tuned learning rates (validation split, seed \(comparison.seeds[0])): "
            + result.tuned.map { "\($0.optimizer) \(String(format: "%g", $0.best))" }
            .joined(separator: ", "))
      }
      if optimizers == nil {
        let groups = Dictionary(grouping: Comparison.leftOutByDefault, by: \.reason)
        for (reason, entries) in groups.sorted(by: { $0.value[0].name < $1.value[0].name }) {
          print(
            "not run by default: \(entries.map(\.name).joined(separator: ", ")) — \(reason); "
              + "name it in --optimizers to include it")
        }
      }
      print(
        "\(result.runIDs.count) runs in \(String(format: "%.1f", seconds)) s; run store: \(result.storePath) "
          + "(group \(result.groupID)); report: \(result.reportPath ?? "none")")
    }
  }
}
