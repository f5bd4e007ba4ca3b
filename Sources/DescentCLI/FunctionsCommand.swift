import ArgumentParser
import DescentOptimizers

/// `descent functions [--format table|json]`: the built-in test functions.
struct FunctionsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "functions",
    abstract: "List the built-in test functions for `descent optimize`.",
    discussion: """
      Each function is listed with the dimensions it accepts (functions of any dimension take it \
      from --start), its default start point, its known minima and where it comes from. \
      --format json prints an array of records with the keys name, description, formula, \
      reference, minimumDimension, maximumDimension (null: unbounded), defaultStart and minima \
      (point, value, isGlobal, isStationary).
      """
  )

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case table, json
  }

  @Option(help: "Output format: \(Format.allCases.map(\.rawValue).joined(separator: " or ")).")
  var format: Format = .table

  func run() throws {
    switch format {
    case .table: print(TestFunctionCatalogue.listingTable())
    case .json: print(try TestFunctionCatalogue.listingJSON())
    }
  }
}
