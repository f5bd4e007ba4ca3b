import ArgumentParser
import Descent

@main
struct DescentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "descent",
    abstract: "Gradient-based optimization for machine learning: tensors, autodiff, optimizers.",
    subcommands: [
      OptimizeCommand.self, OptimizersCommand.self, FunctionsCommand.self, BenchCommand.self,
      TrainCommand.self, EvaluateCommand.self, CompareCommand.self, RunsCommand.self, ReportCommand.self,
      HessianCommand.self,
    ]
  )
}
