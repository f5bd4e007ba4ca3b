import ArgumentParser
import CDescentKernels
import Descent
import Foundation

@main
struct DescentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "descent",
    abstract: "Gradient-based optimization for machine learning: tensors, autodiff, optimizers.",
    subcommands: [
      OptimizeCommand.self, OptimizersCommand.self, FunctionsCommand.self, BenchCommand.self,
      TrainCommand.self, EvaluateCommand.self, CompareCommand.self, RunsCommand.self, ReportCommand.self,
      HessianCommand.self, ReproduceCommand.self, PrivacyCommand.self, DAGCommand.self,
    ]
  )

  /// ArgumentParser's own main, then a check that standard output was written: a full disk or
  /// `> /dev/full` exits with 1 and a message instead of 0 with the output lost.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      finishStandardOutput()
      let status = exitCode(for: error)
      // A bad flag or value is one line (what, where, how to fix it), like every other error;
      // `--help`, `--version` and the commands' own failures keep their output.
      if status == .validationFailure, !(error is ExitCode) {
        let message = message(for: error).split(separator: "\n").first.map(String.init) ?? ""
        let help = (["descent"] + commandPath(CommandLine.arguments.dropFirst()) + ["--help"])
          .joined(separator: " ")
        StandardStreams.writeError("descent: \(message) (see `\(help)`)\n")
        Foundation.exit(status.rawValue)
      }
      exit(withError: error)
    }
    finishStandardOutput()
  }

  /// The subcommand names at the start of `arguments` (`runs show`), for the help hint.
  static func commandPath(_ arguments: ArraySlice<String>) -> [String] {
    var path: [String] = []
    var commands = configuration.subcommands
    for argument in arguments {
      guard let command = commands.first(where: { $0._commandName == argument }) else { break }
      path.append(argument)
      commands = command.configuration.subcommands
    }
    return path
  }

  static func finishStandardOutput() {
    let failure = descent_finish_standard_output()
    guard failure != 0 else { return }
    let reason = String(cString: strerror(failure))
    StandardStreams.writeError(
      "descent: cannot write to standard output (\(reason)); check the disk or the pipe\n")
    Foundation.exit(1)
  }
}
