import ArgumentParser
import DescentOptimizers
import DescentTraining

/// `--clip-norm`, `--clip-value`, `--accumulate` and `--no-decay-on`, shared by `train` and
/// `compare` (docs/training.md, "Clipping, accumulation, parameter groups").
struct GradientProcessingOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Clip the gradient to this global L2 norm before each step.")
  var clipNorm: String?
  @Option(parsing: .unconditional, help: "Clip each gradient element into [-X, X] before each step.")
  var clipValue: String?
  @Option(
    parsing: .unconditional,
    help: "One optimizer step per N batches, with their mean gradient (default 1).")
  var accumulate: String?
  @Option(
    help: ArgumentHelp(
      "Parameter groups without weight decay, comma-separated: bias, norm (1-D non-bias parameters).",
      valueName: "groups"))
  var noDecayOn: String?

  /// Whether any of the options was given.
  var isGiven: Bool { clipNorm != nil || clipValue != nil || accumulate != nil || noDecayOn != nil }

  /// Sets the given options on `configuration`; a value out of range is a usage failure of
  /// `command` (the one number rules: `--clip-norm abc: must be a finite number > 0`).
  func apply(to configuration: inout TrainingConfiguration, command: String) throws {
    if let c = try number(clipNorm, flag: "--clip-norm", rule: .positive, command: command) {
      configuration.clipNorm = c
    }
    if let v = try number(clipValue, flag: "--clip-value", rule: .positive, command: command) {
      configuration.clipValue = v
    }
    if let n = try wholeNumber(
      accumulate, flag: "--accumulate", rule: WholeNumberFlags.accumulate, command: command)
    {
      configuration.accumulate = n
    }
    if let noDecayOn {
      configuration.noDecayOn = noDecayOn.split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespaces)
      }
    }
  }
}
