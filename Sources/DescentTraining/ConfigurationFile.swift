import Foundation

/// `descent train --config run.toml`: the run's options in a TOML file, named like the flags
/// without their dashes (`batch-size = 64`), hyperparameters in a `[set]` table:
///
///     model = "mlp:128-64"
///     data = "digits"
///     optimizer = "adamw"
///     lr = 3e-3
///     schedule = "cosine"
///     warmup = 50
///     steps = 2000
///     [set]
///     weightDecay = 0.05
///
/// The command line wins over the file. The reader takes the TOML subset a run needs: comments,
/// bare keys, strings, integers, floats and booleans, and the one table `[set]`; anything else,
/// an unknown key or a value of the wrong type is a one-line usage error naming file and line.
extension TrainingConfiguration {
  /// Keys, with the kind of value each takes.
  private enum Kind { case string, integer, number, boolean }
  private static let keys: [String: Kind] = [
    "model": .string, "data": .string, "optimizer": .string, "lr": .number, "schedule": .string,
    "warmup": .integer, "batch-size": .integer, "epochs": .integer, "steps": .integer,
    "seed": .integer, "test-fraction": .number, "standardize": .boolean, "eval-every": .integer,
    "checkpoint-every": .integer, "checkpoint": .string, "on-nonfinite": .string,
    "threads": .integer,
  ]

  /// A TOML value of the subset.
  private enum Value: CustomStringConvertible {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)

    var description: String {
      switch self {
      case .string(let s): "the string \"\(s)\""
      case .integer(let i): "the integer \(i)"
      case .number(let x): "the number \(x)"
      case .boolean(let b): "the boolean \(b)"
      }
    }
  }

  /// Applies the settings of the TOML text (read from `file`) to this configuration.
  public mutating func apply(toml text: String, file: String) throws {
    var table = ""
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let place = "\(file):\(index + 1)"
      let line = Self.strippingComment(String(raw)).trimmingCharacters(in: .whitespaces)
      if line.isEmpty { continue }
      if line.hasPrefix("[") {
        guard line == "[set]" else {
          throw TrainingError.usage(
            "\(place): table \(line) is not known; the only table is [set]")
        }
        table = "set"
        continue
      }
      let parts = line.split(separator: "=", maxSplits: 1).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard parts.count == 2, !parts[0].isEmpty else {
        throw TrainingError.usage("\(place): expected key = value, found '\(line)'")
      }
      let key = parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
      let value = try Self.value(parts[1], at: place)
      if table == "set" {
        switch value {
        case .string(let s): settings[key] = s
        case .integer(let i): settings[key] = String(i)
        case .number(let x): settings[key] = String(x)
        case .boolean(let b): settings[key] = String(b)
        }
        continue
      }
      guard let kind = Self.keys[key] else {
        func squashed(_ s: String) -> String {
          s.lowercased().filter { $0 != "-" && $0 != "_" }
        }
        let suggestion = Self.keys.keys.sorted().first { squashed($0) == squashed(key) }
        throw TrainingError.usage(
          "\(place): unknown key '\(key)'"
            + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
            + "; keys: \(Self.keys.keys.sorted().joined(separator: ", ")), and a [set] table")
      }
      try assign(key, kind, value, at: place)
    }
  }

  private mutating func assign(_ key: String, _ kind: Kind, _ value: Value, at place: String)
    throws
  {
    func wrong(_ expected: String) -> TrainingError {
      .usage("\(place): \(key) must be \(expected), found \(value)")
    }
    switch (kind, value) {
    case (.string, .string(let s)):
      switch key {
      case "model": model = s
      case "data": data = s
      case "optimizer": optimizer = s
      case "checkpoint": checkpointPath = s
      case "schedule":
        guard let k = ScheduleKind(rawValue: s) else {
          throw wrong("one of " + ScheduleKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        schedule = k
      default:
        guard let p = NonFinitePolicy(rawValue: s) else { throw wrong("stop or skip-step") }
        onNonFinite = p
      }
    case (.integer, .integer(let i)):
      switch key {
      case "warmup": warmup = i
      case "batch-size": batchSize = i
      case "epochs": epochs = i
      case "steps": steps = i
      case "eval-every": evalEvery = i
      case "checkpoint-every": checkpointEvery = i
      case "threads": threads = i
      default:
        guard i >= 0 else { throw wrong("a non-negative integer") }
        seed = UInt64(i)
      }
    case (.number, _):
      let x: Double
      switch value {
      case .number(let d): x = d
      case .integer(let i): x = Double(i)
      default: throw wrong("a number")
      }
      if key == "lr" { learningRate = x } else { testFraction = x }
    case (.boolean, .boolean(let b)): standardize = b
    case (.string, _): throw wrong("a string")
    case (.integer, _): throw wrong("an integer")
    case (.boolean, _): throw wrong("true or false")
    }
  }

  private static func strippingComment(_ line: String) -> String {
    var inString = false
    var result = ""
    for c in line {
      if c == "\"" { inString.toggle() }
      if c == "#" && !inString { break }
      result.append(c)
    }
    return result
  }

  private static func value(_ text: String, at place: String) throws -> Value {
    if text.hasPrefix("\"") {
      guard text.count >= 2, text.hasSuffix("\"") else {
        throw TrainingError.usage("\(place): unterminated string \(text)")
      }
      return .string(String(text.dropFirst().dropLast()))
    }
    if text == "true" { return .boolean(true) }
    if text == "false" { return .boolean(false) }
    let digits = text.replacingOccurrences(of: "_", with: "")
    if let i = Int(digits) { return .integer(i) }
    if let x = Double(digits), x.isFinite { return .number(x) }
    throw TrainingError.usage(
      "\(place): value \(text) is not a string (\"...\"), number or boolean")
  }
}

extension TrainingConfiguration {
  /// Reads `path` and applies it (see ``apply(toml:file:)``).
  public mutating func apply(configFile path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TrainingError.usage("--config: file \(path) does not exist or cannot be read")
    }
    try apply(toml: String(decoding: data, as: UTF8.self), file: path)
  }
}
