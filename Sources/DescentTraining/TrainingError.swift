import Foundation

/// A problem a user can cause (flags, files, data that does not fit the model), reported as one
/// line naming what is wrong, where, and how to fix it. ``exitStatus`` follows the command-line
/// contract: 64 for a usage error, 65 for bad input data, 1 otherwise.
public enum TrainingError: Error, Equatable, CustomStringConvertible, Sendable {
  /// A flag, model spec, optimizer name or hyperparameter that cannot be used (exit 64).
  case usage(String)
  /// A data file, weights file or checkpoint that cannot be used (exit 65).
  case data(String)
  /// Loss or gradient became NaN or infinite and `--on-nonfinite stop` is in force (exit 65).
  case nonFinite(step: Int, detail: String)

  public var description: String {
    switch self {
    case .usage(let message), .data(let message): message
    case .nonFinite(let step, let detail):
      "step \(step): \(detail); stopped (lower --lr, add gradient clipping, or pass "
        + "--on-nonfinite skip-step to drop such steps)"
    }
  }

  public var exitStatus: Int32 {
    switch self {
    case .usage: 64
    case .data, .nonFinite: 65
    }
  }
}
