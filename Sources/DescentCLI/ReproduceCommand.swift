import ArgumentParser
import Descent
import DescentOptimizers
import DescentExperiments
import DescentRuns
import DescentTraining
import Foundation

/// `descent reproduce`: re-runs a paper's headline experiment and says, criterion by criterion,
/// whether its claim held (docs/reproduce.md).
struct ReproduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reproduce",
    abstract: "Re-run a paper's headline experiment and check its claim, criterion by criterion.",
    discussion: """
      `descent reproduce --list` lists the 37 papers with their ids and status (reproduced: an \
      experiment exists; library: the method is in the library; absent). `descent reproduce ID` \
      runs that paper's experiment and prints its criteria (measured, target, passed); `all` \
      runs every experiment. --quick runs the small version (about 30 s each). Runs that train \
      go into the run store (--store). Exit status: 0 when every criterion holds, 1 when one \
      fails, 64 for a usage error, 65 for bad input data.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

  @Argument(help: "A paper id (see --list), or 'all'.") var id: String?
  @Flag(help: "List the papers, their ids and status.") var list = false
  @Option(
    name: .customLong("seed"), parsing: .unconditional,
    help: ArgumentHelp("The seed of every random draw (default 0).", valueName: "seed"))
  var seedText: String = "0"
  @Flag(help: "Run the small version of the experiment (same criteria, documented looser targets).")
  var quick = false
  @Option(help: "Output: table or json.") var format: Format = .table
  @Option(help: ArgumentHelp("Write an HTML report re-creating the paper's figures.", valueName: "file.html"))
  var report: String?
  @Option(help: ArgumentHelp("The run store for runs that train.", valueName: "path"))
  var store: String = RunStore.defaultPath

  func run() throws {
    if list {
      guard id == nil else {
        throw CommandFailure(
          command: "reproduce", message: "--list takes no paper id; give one or the other",
          status: 64
        ).report()
      }
      print(try listing())
      return
    }
    guard let id else {
      throw CommandFailure(
        command: "reproduce",
        message: "give a paper id, 'all', or --list (e.g. descent reproduce diffgrad --quick)",
        status: 64
      ).report()
    }
    let ids: [String]
    if id == "all" {
      ids = ExperimentCatalogue.experiments.map(\.id)
    } else {
      guard let paper = PaperCatalogue.paper(id: id) else {
        throw CommandFailure(
          command: "reproduce", message: ExperimentError.unknownPaper(id).description, status: 64
        ).report()
      }
      guard ExperimentCatalogue.experiment(id: id) != nil else {
        throw CommandFailure(
          command: "reproduce", message: ExperimentError.notReproduced(paper).description,
          status: 64
        ).report()
      }
      ids = [id]
    }
    guard
      let seed = try wholeNumber(
        seedText, flag: "--seed", rule: WholeNumberFlags.seed, command: "reproduce")
    else { return }
    try OutputChecks(files: [("--report", report)]).verify(command: "reproduce")
    let runStore = try openRecordingStore(command: "reproduce", path: store)
    var results: [ExperimentResult] = []
    for id in ids {
      do {
        let recorder = try ExperimentRecorder(
          store: runStore, experimentID: id, seed: seed, quick: quick)
        let context = ExperimentContext(
          seed: seed, quick: quick, recorder: recorder,
          progress: { line in StandardStreams.writeError(line + "\n") })
        results.append(try ExperimentCatalogue.run(id: id, context: context))
      } catch let error as TrainingError {
        throw CommandFailure(
          command: "reproduce", message: "\(id): \(error.description)", status: error.exitStatus
        ).report()
      } catch {
        throw CommandFailure(command: "reproduce", message: "\(id): \(error)", status: 1).report()
      }
    }
    if let report {
      do { try ReproductionReport(results: results).write(to: report) } catch {
        throw CommandFailure(command: "reproduce", message: "\(error)", status: 1).report()
      }
    }
    try printResults(results, all: id == "all")
    if !results.allSatisfy(\.accepted) { throw ExitCode(1) }
  }

  private func printResults(_ results: [ExperimentResult], all: Bool) throws {
    switch (format, all) {
    case (.json, false): print(try results[0].json())
    case (.json, true):
      struct All: Encodable {
        var accepted: Bool
        var experiments: [ExperimentResult]
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      print(
        String(
          decoding: try encoder.encode(
            All(accepted: results.allSatisfy(\.accepted), experiments: results)), as: UTF8.self))
    case (.table, false): print(results[0].table())
    case (.table, true):
      for result in results { print(result.table() + "\n") }
      print(ReproductionSummary.table(results))
    }
  }

  private func listing() throws -> String {
    switch format {
    case .json:
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      return String(decoding: try encoder.encode(PaperCatalogue.papers), as: UTF8.self)
    case .table: return ReproductionSummary.listing()
    }
  }
}
