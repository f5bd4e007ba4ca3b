import ArgumentParser
import DescentOptimizers

/// `descent optimizers [--format table|json]`: the optimizer catalogue.
struct OptimizersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimizers",
    abstract: "List the optimizers with their hyperparameters, defaults and papers.",
    discussion: """
      Hyperparameter names are the keys of `descent optimize --set key=value` (learningRate is \
      also --lr). --format json prints an array of records with the keys name, summary, paper, \
      reference and hyperparameters (name, defaultValue, description, validValues).
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case table, json
  }

  @Option(help: "Output format: \(Format.allCases.map(\.rawValue).joined(separator: " or ")).")
  var format: Format = .table

  func run() throws {
    switch format {
    case .table: print(OptimizerCatalogue.listingTable())
    case .json: print(try OptimizerCatalogue.listingJSON())
    }
  }
}
