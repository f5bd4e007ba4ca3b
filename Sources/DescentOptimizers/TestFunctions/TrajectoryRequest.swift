import Descent
import Foundation

/// A usage error in a `descent optimize` request: a value a user typed that cannot be used. The
/// message is one line naming the flag and the value at fault (the command exits with status 64).
public enum TrajectoryError: Error, Equatable, CustomStringConvertible {
  case invalidArgument(String)

  public var description: String {
    switch self {
    case .invalidArgument(let message): message
    }
  }
}

/// What `descent optimize` runs, validated: a test function, a configured optimizer, a step
/// count, a start point and a dtype.
///
/// ``parse(function:optimizer:learningRate:settings:steps:start:dtype:)`` turns the command-line
/// text into a request; every error it throws is a one-line ``TrajectoryError`` naming the flag
/// and value (unknown names carry a did-you-mean suggestion).
public struct TrajectoryRequest: Sendable {
  public let function: TestFunction
  public let optimizer: OptimizerInfo
  /// `--lr`, when given (otherwise the optimizer's default learning rate applies).
  public let learningRate: Double?
  /// `--set key=value` pairs, keys as ``OptimizerCatalogue`` lists them.
  public let settings: [String: String]
  /// Every hyperparameter's resolved value (defaults with `--lr` and `--set` applied).
  public let hyperparameters: [String: HyperparameterValue]
  public let steps: Int
  public let start: [Double]
  public let dtype: DType

  /// A request from already-typed values.
  ///
  /// - Parameters:
  ///   - start: the start point; `nil` takes the function's default start.
  /// - Throws: ``TrajectoryError/invalidArgument(_:)`` for unknown names, invalid hyperparameters,
  ///   a negative step count, non-finite start values or a start point of the wrong dimension.
  /// Bytes a trajectory row takes beyond its coordinates (step, loss, the array's header and the
  /// allocator's rounding), for the memory estimate.
  static let rowOverheadBytes = 96

  public init(
    function: String, optimizer: String, learningRate: Double? = nil,
    settings: [String: String] = [:], steps: Int, start: [Double]? = nil,
    dtype: DType = .float64
  ) throws {
    do {
      self.function = try TestFunctionCatalogue.named(function)
    } catch let error as TestFunctionError {
      throw TrajectoryError.invalidArgument("--function: \(error)")
    }
    do {
      self.optimizer = try OptimizerCatalogue.info(named: optimizer)
      hyperparameters = try self.optimizer.resolvedValues(
        learningRate: learningRate, settings: settings)
      _ = try self.optimizer.make(learningRate: learningRate, settings: settings)
    } catch let error as OptimizerError {
      let flag: String
      switch error {
      case .unknownOptimizer: flag = "--optimizer"
      case .unknownHyperparameter: flag = "--set"
      default:
        let aboutLR = error.description.contains("learningRate") && settings["learningRate"] == nil
        flag = aboutLR && learningRate != nil ? "--lr" : "--set"
      }
      throw TrajectoryError.invalidArgument("\(flag): \(error)")
    }
    guard Self.stepsRule.admits(steps) else {
      throw TrajectoryError.invalidArgument(Self.stepsRule.problem(flag: "--steps", value: steps))
    }
    guard dtype == .float64 || dtype == .float32 else {
      throw TrajectoryError.invalidArgument(
        "--dtype: \(dtype) is invalid: must be float64 or float32")
    }
    let point = start ?? self.function.defaultStart
    if let bad = point.first(where: { !$0.isFinite }) {
      throw TrajectoryError.invalidArgument(
        "--start: \(bad) is invalid: every coordinate must be a finite number")
    }
    do {
      try self.function.checkDimension(point.count)
    } catch let error as TestFunctionError {
      throw TrajectoryError.invalidArgument("--start: \(error)")
    }
    // Every row is kept (the trajectory is printed at the end): refuse what cannot fit.
    let rowBytes = Double(8 * point.count + Self.rowOverheadBytes)
    // In Double: `--steps 9223372036854775807` must not overflow `steps + 1`.
    if let excess = MemoryBudget.excess((Double(steps) + 1) * rowBytes) {
      let most = Int(MemoryBudget.bytes / rowBytes) - 1
      throw TrajectoryError.invalidArgument(
        "--steps: \(steps) steps keep \(steps) + 1 rows in memory (\(excess)): "
          + "use at most \(most) steps")
    }
    self.learningRate = learningRate
    self.settings = settings
    self.steps = steps
    self.start = point
    self.dtype = dtype
  }

  /// A request from command-line text, each value parsed with the flag named in its error.
  ///
  /// - Parameters:
  ///   - learningRate: the text of `--lr`, if given.
  ///   - settings: each `--set` argument, `key=value`.
  ///   - steps: the text of `--steps`: a whole number ≥ 0.
  ///   - start: the text of `--start`: comma-separated coordinates, e.g. `-1.5,2`.
  ///   - dtype: `float64` or `float32`.
  public static func parse(
    function: String, optimizer: String, learningRate: String? = nil, settings: [String] = [],
    steps: String, start: String? = nil, dtype: String = "float64"
  ) throws -> TrajectoryRequest {
    try TrajectoryRequest(
      function: function, optimizer: optimizer,
      learningRate: learningRate.map { try parseNumber($0, flag: "--lr", rule: .nonNegative) },
      settings: parseSettings(settings), steps: parseSteps(steps),
      start: start.map { try parseNumberList($0, flag: "--start") }, dtype: parseDType(dtype))
  }

  /// A number under `rule` (`HyperparameterConstraint`: finite, in range); the error names `flag` and the
  /// text as typed.
  public static func parseNumber(_ text: String, flag: String, rule: HyperparameterConstraint = .finite) throws
    -> Double
  {
    guard let x = rule.value(of: text) else {
      throw TrajectoryError.invalidArgument(rule.problem(flag: flag, text: text))
    }
    return x
  }

  /// Comma-separated finite numbers (`-1.5,2`, spaces allowed around commas).
  public static func parseNumberList(_ text: String, flag: String) throws -> [Double] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw TrajectoryError.invalidArgument(
        "\(flag): '' is invalid: give comma-separated numbers such as -1.5,2")
    }
    return try parts.map { part in
      let trimmed = part.trimmingCharacters(in: .whitespaces)
      guard let x = Double(trimmed), x.isFinite else {
        throw TrajectoryError.invalidArgument(
          "\(flag): '\(text)' is invalid: '\(trimmed)' is not a finite number (give comma-separated numbers such as -1.5,2)"
        )
      }
      return x
    }
  }

  /// The range of `--steps` (0: the start point alone).
  public static let stepsRule = WholeNumberRule<Int>(atLeast: 0)

  /// A whole number of steps ≥ 0 (``WholeNumberRule``: `--steps NaN: must be a whole number ≥ 0`).
  public static func parseSteps(_ text: String) throws -> Int {
    guard let n = stepsRule.value(of: text) else {
      throw TrajectoryError.invalidArgument(stepsRule.problem(flag: "--steps", text: text))
    }
    return n
  }

  /// `float64` (default) or `float32`.
  public static func parseDType(_ text: String) throws -> DType {
    switch text.lowercased() {
    case "float64", "double", "f64": return .float64
    case "float32", "float", "f32": return .float32
    default:
      throw TrajectoryError.invalidArgument(
        "--dtype: '\(text)' is invalid: must be float64 or float32")
    }
  }

  /// `key=value` pairs (each key once).
  public static func parseSettings(_ arguments: [String]) throws -> [String: String] {
    var settings: [String: String] = [:]
    for argument in arguments {
      guard let equals = argument.firstIndex(of: "=") else {
        throw TrajectoryError.invalidArgument(
          "--set: '\(argument)' is invalid: expected key=value, e.g. --set beta1=0.95")
      }
      let key = argument[..<equals].trimmingCharacters(in: .whitespaces)
      let value = String(argument[argument.index(after: equals)...])
      guard !key.isEmpty else {
        throw TrajectoryError.invalidArgument(
          "--set: '\(argument)' is invalid: the key before '=' is empty")
      }
      if let previous = settings[key] {
        throw TrajectoryError.invalidArgument(
          "--set: \(key) is given twice (\(key)=\(previous) and \(key)=\(value)): give it once")
      }
      settings[key] = value
    }
    return settings
  }
}
