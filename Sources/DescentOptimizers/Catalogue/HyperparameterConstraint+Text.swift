/// The same constraints for every real number a user types, not only `--set` values: `--lr`,
/// `--test-fraction`, `--target-loss`, `descent optimize --lr`, configuration files (issue 19).
/// The text must parse as a `Double` and satisfy ``HyperparameterConstraint/admits(_:)``, which
/// holds only for finite numbers — so `1e999`, which parses to infinity, is refused like `inf`
/// and `nan` — and a refusal quotes the text as typed:
///
/// ```
/// --lr 1e999: must be a finite number ≥ 0
/// --test-fraction 1.5: must be in (0, 1)
/// ```
extension HyperparameterConstraint {
  /// The value of `text` (spaces around it ignored) when the constraint admits it, else nil.
  public func value(of text: String) -> Double? {
    guard let x = Double(text.trimmingCharacters(in: .whitespaces)), admits(x) else { return nil }
    return x
  }

  /// The one-line refusal of `text` given to `flag`: `FLAG TEXT: must be REQUIREMENT`.
  public func problem(flag: String, text: String) -> String {
    "\(flag) \(text): must be \(requirement)"
  }

  /// The refusal of an already-parsed value (a configuration file's number), printed as the
  /// shortest text that reads back to it (`-1`, `0.5`, `inf`, `nan`).
  public func problem(flag: String, value: Double) -> String {
    let text =
      value.isNaN ? "nan" : value.isInfinite ? (value < 0 ? "-inf" : "inf") : Validate.format(value)
    return problem(flag: flag, text: text)
  }
}
