import Foundation

/// The valid range of each real privacy parameter, stated once: the library's checks
/// (``PrivacyPhase``, ``RDPAccountant``, ``NoiseMultiplierSearch``, ``GaussianMechanism``) and
/// the command line's flags (`descent privacy`) use it, so both word a refusal alike.
public enum PrivacyParameterRange: Sendable {
  /// σ (noise multiplier), C (clipping norm), a target ε: finite and > 0.
  case positive
  /// q (sample rate): 0 < q ≤ 1.
  case sampleRate
  /// δ: 0 < δ < 1.
  case delta

  /// The phrase after "must be".
  public var requirement: String {
    switch self {
    case .positive: "a finite number > 0"
    case .sampleRate: "in (0, 1]"
    case .delta: "in (0, 1)"
    }
  }

  /// Whether `x` is in the range (NaN never is).
  public func admits(_ x: Double) -> Bool {
    switch self {
    case .positive: x.isFinite && x > 0
    case .sampleRate: x > 0 && x <= 1
    case .delta: x > 0 && x < 1
    }
  }

  /// The value of `text` (spaces around it ignored) when it is a number in the range, else nil.
  public func value(of text: String) -> Double? {
    guard let x = Double(text.trimmingCharacters(in: .whitespaces)), admits(x) else { return nil }
    return x
  }
}
