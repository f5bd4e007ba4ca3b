/// The one rule for every whole number a user types — `--steps`, `--batch-size`, `--threads`,
/// `--seed`, `--top`, a configuration file's integer (issue 19) — as ``HyperparameterConstraint``
/// is for real numbers: the text, spaces around it ignored, must be a decimal whole number of the
/// flag's range, and a refusal quotes the text as typed, in one wording for every command:
///
/// ```
/// --steps abc: must be a whole number ≥ 1
/// --batch-size 1.5: must be a whole number ≥ 1
/// --threads 0: must be a whole number from 1 to 1024
/// --steps 99999999999999999999: must be a whole number from 1 to 9223372036854775807
/// ```
///
/// Integer options are therefore declared as text: ArgumentParser's own refusal ("The value
/// 'abc' is invalid for '--steps <steps>'") would word the same mistake differently per flag.
public struct WholeNumberRule<Value: FixedWidthInteger & Sendable>: Sendable, Equatable {
  /// The values the flag accepts.
  public let range: ClosedRange<Value>

  public init(_ range: ClosedRange<Value>) { self.range = range }

  /// Every whole number from `lower` up (to the type's largest value).
  public init(atLeast lower: Value) { self.range = lower...Value.max }

  /// The phrase after "must be": `a whole number ≥ 1`, `a whole number from 1 to 1024`.
  public var requirement: String {
    range.upperBound == Value.max ? "a whole number ≥ \(range.lowerBound)" : fullRequirement
  }

  private var fullRequirement: String {
    "a whole number from \(range.lowerBound) to \(range.upperBound)"
  }

  /// Whether `value` is in the range.
  public func admits(_ value: Value) -> Bool { range.contains(value) }

  /// The value of `text` when it is a whole number in the range, else nil.
  public func value(of text: String) -> Value? {
    guard let x = Value(text.trimmingCharacters(in: .whitespaces)), admits(x) else { return nil }
    return x
  }

  /// The one-line refusal of `text` given to `flag`: `FLAG TEXT: must be REQUIREMENT`; a whole
  /// number too large for the type names the upper bound.
  public func problem(flag: String, text: String) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let digits = trimmed.hasPrefix("+") ? trimmed.dropFirst() : Substring(trimmed)
    let tooLarge = !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
      && Value(trimmed) == nil
    return "\(flag) \(text): must be \(tooLarge ? fullRequirement : requirement)"
  }

  /// The refusal of an already-parsed value (a configuration's field).
  public func problem(flag: String, value: Value) -> String {
    problem(flag: flag, text: String(value))
  }
}
