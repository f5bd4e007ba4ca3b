import ArgumentParser
import DescentTraining

/// `--clip-norm`, `--clip-value`, `--accumulate` and `--no-decay-on`, shared by `train` and
/// `compare` (docs/training.md, "Clipping, accumulation, parameter groups").
struct GradientProcessingOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Clip the gradient to this global L2 norm before each step.")
  var clipNorm: Double?
  @Option(parsing: .unconditional, help: "Clip each gradient element into [-X, X] before each step.")
  var clipValue: Double?
  @Option(
    parsing: .unconditional,
    help: "One optimizer step per N batches, with their mean gradient (default 1).")
  var accumulate: Int?
  @Option(
    help: ArgumentHelp(
      "Parameter groups without weight decay, comma-separated: bias, norm (1-D non-bias parameters).",
      valueName: "groups"))
  var noDecayOn: String?

  /// Whether any of the options was given.
  var isGiven: Bool { clipNorm != nil || clipValue != nil || accumulate != nil || noDecayOn != nil }

  func apply(to configuration: inout TrainingConfiguration) {
    if let clipNorm { configuration.clipNorm = clipNorm }
    if let clipValue { configuration.clipValue = clipValue }
    if let accumulate { configuration.accumulate = accumulate }
    if let noDecayOn {
      configuration.noDecayOn = noDecayOn.split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespaces)
      }
    }
  }
}
