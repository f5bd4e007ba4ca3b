import ArgumentParser
import Descent
import DescentData
import DescentSolvers
import Foundation

/// `descent dag`: learns a linear DAG from observational data with CoLiDE (``CoLiDE``,
/// arXiv:2310.02895; docs/solvers.md).
struct DAGCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dag",
    abstract: "Learn a linear DAG (structural equation model) from data with CoLiDE.",
    discussion: """
      --data is a CSV file (a header row of variable names, every cell a number; .csv or \
      .csv.gz) or a 2-D float .npy array, one row per sample, one column per variable. The \
      method is the official CoLiDE code's (SAMiatto/colide model.py): centred data, 4 stages \
      of Adam on mu*(score + lambda*|W|_1) + h_s(W) with the log-det acyclicity h_s, and sigma \
      (colide-ev: one noise scale; colide-nv: one per variable) estimated with W. \
      JSON (default): {"method", "variables", "W" (before thresholding; W[i][j] is the \
      weight of the edge i -> j, rows = parents), "sigma" (array, one entry for colide-ev), \
      "adjacency" (0/1 after dropping |W| <= --threshold and removing the weakest edges of any \
      cycle), "iterations" (Adam steps), "converged"}. CSV: the edges of the DAG, a header \
      from,to,weight then one row per edge with its weight in W. \
      Exit status: 0; 64 usage error; 65 unusable data (a missing file, a non-numeric cell, a \
      NaN, a constant column, fewer rows than columns), with one line naming the row or column.
      """)

  enum Method: String, ExpressibleByArgument, CaseIterable {
    case colideEV = "colide-ev"
    case colideNV = "colide-nv"
  }

  enum Format: String, ExpressibleByArgument, CaseIterable { case json, csv }

  @Option(help: "Data file: .csv (header of variable names) or .npy ([samples, variables]).")
  var data: String

  @Option(help: "colide-ev (equal noise variances) or colide-nv (one variance per variable).")
  var method: Method

  @Option(
    name: .customLong("lambda"), parsing: .unconditional,
    help: ArgumentHelp("L1 weight lambda (≥ 0).", valueName: "X"))
  var lambda: String = "0.05"

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Edges with |W| at most this are dropped (≥ 0).", valueName: "X"))
  var threshold: String = "0.3"

  @Option(help: "Output: json or csv.") var format: Format = .json

  func run() throws {
    let command = "dag"
    let lambda = try number(lambda, flag: "--lambda", rule: .nonNegative, command: command)!
    let threshold = try number(
      threshold, flag: "--threshold", rule: .nonNegative, command: command)!
    let (names, values) = try Self.read(data, command: command)
    let prepared: CoLiDEData
    do {
      prepared = try CoLiDEData(values, columnNames: names)
    } catch let error as SolverError {
      throw CommandFailure(command: command, message: "\(data): \(error)", status: 65).report()
    }
    var configuration = CoLiDEConfiguration()
    configuration.lambda = lambda
    let noise: CoLiDENoiseModel = method == .colideEV ? .equalVariance : .nonEqualVariance
    let result = try CoLiDE(noise: noise, configuration: configuration).fit(prepared)
    let d = result.dimension
    let adjacency = DAGThresholding.adjacency(result.weights, dimension: d, threshold: threshold)
    switch format {
    case .json:
      print(Self.json(method: method, names: names, result: result, adjacency: adjacency))
    case .csv:
      var text = "from,to,weight\n"
      for i in 0..<d {
        for j in 0..<d where adjacency[i * d + j] != 0 {
          text +=
            "\(Self.csvCell(names[i])),\(Self.csvCell(names[j])),"
            + "\(Self.jsonNumber(result.weights[i * d + j]))\n"
        }
      }
      print(text, terminator: "")
    }
  }

  /// The data matrix and its variable names (x1, x2, … for .npy), or exit 65 / 64.
  static func read(_ path: String, command: String) throws -> ([String], Tensor) {
    let url = URL(fileURLWithPath: path)
    let lower = path.lowercased()
    do {
      if lower.hasSuffix(".csv") || lower.hasSuffix(".csv.gz") {
        let (names, values) = try CSVReader.readFeatures(contentsOf: url, dtype: .float64)
        return (names, values)
      }
      if lower.hasSuffix(".npy") || lower.hasSuffix(".npy.gz") {
        let values = try NPYReader.read(contentsOf: url)
        guard values.rank == 2, values.dtype == .float32 || values.dtype == .float64 else {
          throw CommandFailure(
            command: command,
            message:
              "\(path): holds a \(values.dtype) array of shape \(values.shape); need a 2-D "
              + "float32 or float64 array [samples, variables]",
            status: 65
          ).report()
        }
        return ((1...max(1, values.shape[1])).map { "x\($0)" }, values)
      }
    } catch let error as DataError {
      throw CommandFailure(command: command, message: error.description, status: 65).report()
    }
    throw CommandFailure(
      command: command,
      message: "--data \(path): unknown file type; give a .csv or .npy file", status: 64
    ).report()
  }

  static func json(
    method: Method, names: [String], result: CoLiDEResult, adjacency: [Int]
  ) -> String {
    let d = result.dimension
    func array(_ values: [Double]) -> String {
      "[" + values.map(jsonNumber).joined(separator: ", ") + "]"
    }
    let w = (0..<d).map { array(Array(result.weights[($0 * d)..<(($0 + 1) * d)])) }
    let a = (0..<d).map {
      "[" + adjacency[($0 * d)..<(($0 + 1) * d)].map(String.init).joined(separator: ", ") + "]"
    }
    let variables = names.map { jsonString($0) }.joined(separator: ", ")
    return """
      {"method": "\(method.rawValue)", "variables": [\(variables)], \
      "W": [\(w.joined(separator: ", "))], "sigma": \(array(result.sigma)), \
      "adjacency": [\(a.joined(separator: ", "))], "iterations": \(result.iterations), \
      "converged": \(result.converged)}
      """
  }

  /// Full precision (shortest text that reads back to the same Double).
  static func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

  static func jsonString(_ s: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
    let text = String(decoding: data, as: UTF8.self)
    return String(text.dropFirst().dropLast())
  }

  static func csvCell(_ s: String) -> String {
    s.contains(",") || s.contains("\"") || s.contains("\n")
      ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
  }
}
