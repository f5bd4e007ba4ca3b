import Foundation
import TOMLKit

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
/// The command line wins over the file. The file is parsed by TOMLKit (toml++, full TOML 1.0); a
/// syntax error, an unknown key, a table other than `[set]` or a value of the wrong type is a
/// one-line usage error naming the file and the line or key.
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

  /// Applies the settings of the TOML text (read from `file`) to this configuration. The text
  /// is parsed by TOMLKit (toml++); a syntax error names the file, line and column.
  /// toml++ (inside TOMLKit) stops the process on an assertion when a table header's key starts
  /// with a character that is neither a bare-key character nor a quote: its table-header parser
  /// calls the key parser without looking (`[\u{C7}et]`, `[[[x]]]`, `[` at the end of a line; found
  /// by fuzzing: docs/fuzzing.md). Every other key position is checked by toml++ itself. So each
  /// line that starts a table header is read here the way toml++ reads it (unicode scalars, lines
  /// ending at `\n`, `[`, spaces or tabs, a second `[` only when contiguous, spaces or tabs) and
  /// refused first, as the syntax error it is. toml++ skips a byte-order mark at the start of the
  /// document, so the first line is read without it (`\u{FEFF}[\u{FFFD}`, found by fuzzing).
  static func checkKeyStarts(_ document: String, file: String) throws {
    var scalars = Substring(document).unicodeScalars[...]
    if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
    func isSpaceOrTab(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }
    func startsKey(_ c: Unicode.Scalar?) -> Bool {
      guard let c else { return false }
      return c == "\"" || c == "'" || c == "_" || c == "-"
        || ("A"..."Z").contains(c) || ("a"..."z").contains(c) || ("0"..."9").contains(c)
    }
    for (index, line) in scalars.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      var rest = line.drop(while: isSpaceOrTab)
      guard rest.first == "[" else { continue }  // toml++ checks a key-value line's key itself
      rest = rest.dropFirst()
      let afterSpace = rest.drop(while: isSpaceOrTab)
      if afterSpace.first == "[" {
        // `[ [` is refused by toml++ itself; `[[` opens an array-of-tables header.
        guard afterSpace.startIndex == rest.startIndex else { continue }
        rest = afterSpace.dropFirst().drop(while: isSpaceOrTab)
      } else {
        rest = afterSpace
      }
      guard rest.first != "]" else { continue }  // an empty header; toml++ refuses it itself
      guard startsKey(rest.first) else {
        throw TrainingError.usage(
          "\(file):\(index + 1): a table header's key must start with A–Z, a–z, 0–9, _ or - (or be quoted)"
        )
      }
    }
  }

  public mutating func apply(toml text: String, file: String) throws {
    try Self.checkKeyStarts(text, file: file)
    let table: TOMLTable
    do {
      table = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw TrainingError.usage(
        "\(file):\(error.source.begin.line):\(error.source.begin.column): \(error.description)")
    }
    for key in table.keys {
      let place = "\(file): key '\(key)'"
      guard let raw = table[key] else { continue }
      if key == "set" {
        guard let set = raw.table else {
          throw TrainingError.usage("\(place): must be a table ([set]) of hyperparameters")
        }
        for name in set.keys {
          guard let entry = set[name] else { continue }
          switch try Self.value(entry, at: "\(file): key 'set.\(name)'") {
          case .string(let s): settings[name] = s
          case .integer(let i): settings[name] = String(i)
          case .number(let x): settings[name] = String(x)
          case .boolean(let b): settings[name] = String(b)
          }
        }
        continue
      }
      guard let kind = Self.keys[key] else {
        func squashed(_ s: String) -> String {
          s.lowercased().filter { $0 != "-" && $0 != "_" }
        }
        let suggestion = Self.keys.keys.sorted().first { squashed($0) == squashed(key) }
        throw TrainingError.usage(
          "\(place): unknown key"
            + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
            + "; keys: \(Self.keys.keys.sorted().joined(separator: ", ")), and a [set] table")
      }
      try assign(key, kind, try Self.value(raw, at: place), at: place)
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
        guard i >= 0 else { throw wrong(WholeNumberFlags.seed.requirement) }
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

  /// A scalar TOML value, or a one-line error for arrays, tables and dates.
  private static func value(_ value: any TOMLValueConvertible, at place: String) throws -> Value {
    if let b = value.bool { return .boolean(b) }
    if let i = value.int { return .integer(i) }
    if let x = value.double { return .number(x) }
    if let s = value.string { return .string(s) }
    throw TrainingError.usage("\(place): must be a string, number or boolean, found \(value.type)")
  }

  /// Reads `path` and applies it (see ``apply(toml:file:)``).
  public mutating func apply(configFile path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TrainingError.usage("--config: file \(path) does not exist or cannot be read")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw TrainingError.usage(
        "--config: file \(path) is not valid UTF-8 text; TOML files must be UTF-8")
    }
    try apply(toml: text, file: path)
  }
}
