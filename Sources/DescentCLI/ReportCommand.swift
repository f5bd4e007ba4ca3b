import ArgumentParser
import DescentRuns

/// `descent report RUN... --output FILE`: charts any runs together in one HTML page.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write a self-contained HTML report charting runs together.",
    discussion: """
      One line per optimizer (the mean over its runs, in a min–max band when it has several) in \
      charts of training loss against step and wall-clock time, evaluation accuracy and learning \
      rate; then a summary table and the runs. RUN is a run id or any unique prefix of one \
      (`descent runs list` shows them). The file is written atomically and needs no network to \
      view. Exit status: 64 for an unknown or ambiguous run id; 65 when the store file is \
      missing, not a run store, or corrupt.
      """)

  enum LogScale: String, ExpressibleByArgument, CaseIterable {
    case auto, on, off

    var axisScale: AxisScale? {
      switch self {
      case .auto: return nil
      case .on: return .log
      case .off: return .linear
      }
    }
  }

  @Argument(help: ArgumentHelp("Run ids or unique id prefixes.", valueName: "run"))
  var runs: [String]

  @Option(help: ArgumentHelp("The HTML file to write.", valueName: "file"))
  var output: String

  @OptionGroup var storeOptions: StoreOptions

  @Option(
    help: """
      Logarithmic loss axes: on, off, or auto (on when all losses are positive and span more \
      than a factor of 10).
      """)
  var logScale: LogScale = .auto

  @Option(
    parsing: .unconditional,
    help: """
      Loss level for the "time to target" column (default: the highest per-optimizer mean best \
      loss).
      """)
  var targetLoss: String?

  func run() throws {
    let targetLoss = try number(
      targetLoss, flag: "--target-loss", rule: .finite, command: "report")
    try OutputChecks(files: [("--output", output)]).verify(command: "report")
    try storeOptions.withStore(command: "report") { store in
      try RunsCommands.report(
        store: store, runIDs: runs, output: output, lossScale: logScale.axisScale,
        targetLoss: targetLoss)
    }
  }
}
