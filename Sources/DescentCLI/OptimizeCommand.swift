import ArgumentParser
import Descent
import DescentOptimizers
import Foundation

/// `descent optimize`: runs an optimizer on a built-in test function and prints the trajectory.
struct OptimizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimize",
    abstract: "Run an optimizer on a built-in test function and print its trajectory.",
    discussion: """
      CSV (default): a header step,loss,x1,...,xd, then one row per step from step 0 (the start \
      point) to --steps, numbers with full precision (%.17g for float64, %.9g for float32). \
      JSON: an object with function, optimizer, dtype, steps, hyperparameters (all of them, \
      resolved), rows ({step, loss, x}) and diverged (null or {step, loss}). \
      Negative numbers work in both spellings: --start=-1.5,2 and --start -1.5,2. \
      Exit status: 0 on success; 64 for a usage error (unknown name, bad value); 65 when the loss \
      or the point becomes non-finite (the finite rows are printed first). \
      See `descent optimizers` and `descent functions` for the names.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case csv, json
  }

  @Option(help: "Test function name (see `descent functions`).")
  var function: String

  @Option(help: "Optimizer name (see `descent optimizers`).")
  var optimizer: String

  @Option(
    name: .customLong("lr"), parsing: .unconditional,
    help: "Learning rate (default: the optimizer's).")
  var learningRate: String?

  @Option(
    name: .customLong("set"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "A hyperparameter, key=value (repeatable); keys as `descent optimizers` lists them.",
      valueName: "key=value"))
  var settings: [String] = []

  @Option(parsing: .unconditional, help: "Number of optimizer steps (≥ 0).")
  var steps: String

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Start point, comma-separated (default: the function's; its length sets the dimension).",
      valueName: "x1,x2,..."))
  var start: String?

  @Option(help: "Floating-point type: float64 or float32.")
  var dtype: String = "float64"

  @Option(help: "Output format: csv or json.")
  var format: Format = .csv

  func run() throws {
    let trajectory: Trajectory
    do {
      let request = try TrajectoryRequest.parse(
        function: function, optimizer: optimizer, learningRate: learningRate,
        settings: settings, steps: steps, start: start, dtype: dtype)
      trajectory = try TrajectoryRunner.run(request)
    } catch let error as TrajectoryError {
      throw CommandFailure(command: "optimize", message: error.description, status: 64).report()
    }
    switch format {
    case .csv: print(trajectory.csv(), terminator: "")
    case .json: print(try trajectory.json())
    }
    if let message = TrajectoryRunner.divergenceMessage(trajectory) {
      throw CommandFailure(command: "optimize", message: message, status: 65).report()
    }
  }
}

/// A failure reported as one line on stderr (`descent <command>: <message>`) with an exit status
/// of the command-line contract: 64 usage, 65 bad input data, 1 otherwise.
struct CommandFailure: Error {
  let command: String
  let message: String
  let status: Int32
}

extension CommandFailure {
  /// Prints the message and turns the failure into the exit status.
  func report() -> ExitCode {
    StandardStreams.writeError("descent \(command): \(message)\n")
    return ExitCode(status)
  }
}
