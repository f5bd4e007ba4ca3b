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
      HessianCommand.self, ReproduceCommand.self,
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
      exit(withError: error)
    }
    finishStandardOutput()
  }

  static func finishStandardOutput() {
    let failure = descent_finish_standard_output()
    guard failure != 0 else { return }
    let reason = String(cString: strerror(failure))
    FileHandle.standardError.write(
      Data("descent: cannot write to standard output (\(reason)); check the disk or the pipe\n".utf8))
    Foundation.exit(1)
  }
}
