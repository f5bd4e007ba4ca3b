import ArgumentParser
import DescentRuns

/// `descent runs list|show|export|delete`: the runs in a run store.
struct RunsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "runs",
    abstract: "List, show, export and delete the runs in a run store.",
    discussion: """
      The store is ./descent-runs.sqlite unless --store names another; `descent train` and \
      `descent compare` create it. RUN is a run id or any unique prefix of one. Exit status: 0 \
      on success; 64 for a usage error (unknown or ambiguous run id); 65 when the store file is \
      missing, not a run store, or corrupt.
      """,
    subcommands: [
      RunsListCommand.self, RunsShowCommand.self, RunsExportCommand.self, RunsDeleteCommand.self,
    ],
    defaultSubcommand: RunsListCommand.self)
}

/// `--store PATH`, shared by the commands that read a run store.
struct StoreOptions: ParsableArguments {
  @Option(help: ArgumentHelp("The run store file.", valueName: "path"))
  var store: String = RunStore.defaultPath

  /// Opens the existing store (never creates one) and runs `body` on it; a failure becomes one
  /// line on stderr, `descent <command>: <message>`, and its exit status.
  func withStore(command: String, _ body: (RunStore) throws -> String) throws {
    do {
      let store = try RunsCommands.openExistingStore(path: store)
      print(try body(store), terminator: "")
    } catch {
      throw CommandFailure(
        command: command, message: "\(error)", status: RunsCommandError.exitStatus(for: error)
      ).report()
    }
  }
}

/// Opens (creating if missing) the run store of a command that records runs (`train`, `compare`,
/// `reproduce`), before any work: a folder, a read-only file or a file that is not a store fails
/// with the same line and exit status as in `runs` and `report` (`RunStoreFile`).
func openRecordingStore(command: String, path: String) throws -> RunStore {
  do { return try RunStore(path: path) } catch {
    throw CommandFailure(
      command: command, message: "\(error)", status: RunsCommandError.exitStatus(for: error)
    ).report()
  }
}

extension RunStatus: ExpressibleByArgument {}
extension RunListingFormat: ExpressibleByArgument {}
extension RunExportFormat: ExpressibleByArgument {}

/// `descent runs list [--store PATH] [--status S] [--format table|json]`.
struct RunsListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the runs, newest first.",
    discussion: """
      Runs of this host left `running` by a process that is gone are marked interrupted first. \
      --format json prints an array of run records (the `run` object of `descent runs export \
      --format json`).
      """)

  @OptionGroup var storeOptions: StoreOptions

  @Option(
    help:
      "Only runs with this status: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
  var status: RunStatus?

  @Option(help: "Output format: table or json.")
  var format: RunListingFormat = .table

  func run() throws {
    try storeOptions.withStore(command: "runs list") { store in
      try RunsCommands.list(store: store, status: status, format: format)
    }
  }
}

/// `descent runs show RUN [--format table|json]`.
struct RunsShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show one run: configuration, machine, status, summary and its points.",
    discussion: """
      --format json prints {"run": {...}, "metricCount", "evaluationCount", "lastMetric", \
      "lastEvaluation"}.
      """)

  @OptionGroup var storeOptions: StoreOptions

  @Argument(help: ArgumentHelp("Run id or unique id prefix.", valueName: "run"))
  var runID: String

  @Option(help: "Output format: table or json.")
  var format: RunListingFormat = .table

  func run() throws {
    try storeOptions.withStore(command: "runs show") { store in
      try RunsCommands.show(store: store, id: runID, format: format)
    }
  }
}

/// `descent runs export RUN --format csv|json [--output FILE]`.
struct RunsExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Print or write one run's metrics and evaluations as CSV or JSON.",
    discussion: """
      CSV: step,epoch,seconds,trainLoss,learningRate,evalLoss,evalAccuracy, one row per step \
      with a metric or an evaluation, empty cells where a step has no such value. JSON: \
      {"run": {...}, "metrics": [...], "evaluations": [...]}. With --output the file is written \
      atomically (readers never see part of it).
      """)

  @OptionGroup var storeOptions: StoreOptions

  @Argument(help: ArgumentHelp("Run id or unique id prefix.", valueName: "run"))
  var runID: String

  @Option(help: "Export format: csv or json.")
  var format: RunExportFormat

  @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
  var output: String?

  func run() throws {
    try OutputChecks(files: [("--output", output)]).verify(command: "runs export")
    try storeOptions.withStore(command: "runs export") { store in
      try RunsCommands.export(store: store, id: runID, format: format, output: output)
    }
  }
}

/// `descent runs delete RUN`.
struct RunsDeleteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "delete",
    abstract: "Delete one run with its metrics and evaluations.")

  @OptionGroup var storeOptions: StoreOptions

  @Argument(help: ArgumentHelp("Run id or unique id prefix.", valueName: "run"))
  var runID: String

  func run() throws {
    try storeOptions.withStore(command: "runs delete") { store in
      try RunsCommands.delete(store: store, id: runID)
    }
  }
}
