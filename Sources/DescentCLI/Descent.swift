import ArgumentParser
import Descent

@main
struct DescentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "descent",
    abstract: "Gradient-based optimization for machine learning: tensors, autodiff, optimizers.",
    subcommands: [BenchCommand.self, FunctionsCommand.self]
  )
}
