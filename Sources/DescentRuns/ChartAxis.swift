import Foundation

/// How a chart axis maps values to positions.
public enum AxisScale: String, Sendable, CaseIterable {
  case linear
  /// Base-10 logarithmic; values ≤ 0 are not drawn.
  case log
}

/// An axis: its value range (widened to tick values) and its ticks with their labels.
struct ChartAxis: Equatable {
  var scale: AxisScale
  var lower: Double
  var upper: Double
  var ticks: [Double]
  var labels: [String]

  /// The axis over `values` (finite, and positive for `.log`), with about `targetTicks` ticks.
  /// Returns nil when there is nothing to show.
  init?(values: [Double], scale: AxisScale, targetTicks: Int = 6) {
    let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
    guard var low = usable.min(), var high = usable.max() else { return nil }
    self.scale = scale
    switch scale {
    case .linear:
      if low == high {
        let pad = low == 0 ? 1 : abs(low) * 0.1
        low -= pad
        high += pad
      }
      // Divided before subtracting, so that a range wider than Double's (−1e308 to 1e308, from a
      // diverged run) still has a finite step; the tick count is then a small, safe integer.
      let intervals = Double(max(targetTicks - 1, 1))
      let step = Self.niceNumber(high / intervals - low / intervals, round: true)
      let firstIndex = (low / step).rounded(.down)
      let lastIndex = (high / step).rounded(.up)
      let count = Int(min(max(lastIndex - firstIndex, 0), 1000).rounded()) + 1
      let first = max(firstIndex * step, -Double.greatestFiniteMagnitude)
      let last = min(lastIndex * step, Double.greatestFiniteMagnitude)
      let values = (0..<count).map { min(first + Double($0) * step, last) }
      lower = first
      upper = last
      ticks = values
      labels = values.map { Self.label($0, step: step) }
    case .log:
      let lowExponent = Foundation.log10(low).rounded(.down)
      var highExponent = Foundation.log10(high).rounded(.up)
      if highExponent == lowExponent { highExponent += 1 }
      lower = Foundation.pow(10, lowExponent)
      upper = Foundation.pow(10, highExponent)
      // Few decades: 1-2-5 ticks so that the axis still has several labels.
      let multipliers: [Double] = highExponent - lowExponent <= 2 ? [1, 2, 5] : [1]
      var values: [Double] = []
      var exponent = lowExponent
      while exponent <= highExponent {
        for m in multipliers {
          let value = m * Foundation.pow(10, exponent)
          if value <= upper * (1 + 1e-9) { values.append(value) }
        }
        exponent += 1
      }
      ticks = values
      labels = values.map { Self.logLabel($0) }
    }
  }

  /// Position in [0, 1] of `value` along the axis (unclamped), nil where it cannot be drawn.
  func fraction(_ value: Double) -> Double? {
    guard value.isFinite else { return nil }
    switch scale {
    case .linear:
      // Halved first where the span itself overflows (an axis from −1e308 to 1e308).
      let span = upper - lower
      return span.isFinite
        ? (value - lower) / span : (value / 2 - lower / 2) / (upper / 2 - lower / 2)
    case .log:
      guard value > 0 else { return nil }
      return (Foundation.log10(value) - Foundation.log10(lower))
        / (Foundation.log10(upper) - Foundation.log10(lower))
    }
  }

  /// Heckbert's "nice numbers" (Graphics Gems, 1990): 1, 2, 5 (or 1, 2, 5, 10 when not rounding)
  /// times a power of ten, nearest to `value`.
  static func niceNumber(_ value: Double, round: Bool) -> Double {
    guard value > 0, value.isFinite else { return 1 }
    let exponent = Foundation.log10(value).rounded(.down)
    let fraction = value / Foundation.pow(10, exponent)
    let nice: Double
    if round {
      nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
    } else {
      nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
    }
    return nice * Foundation.pow(10, exponent)
  }

  /// A tick label with just enough decimals for `step` (0.25 → 2 decimals).
  static func label(_ value: Double, step: Double) -> String {
    let magnitude = max(abs(value), step)
    if magnitude >= 1e6 || magnitude < 1e-4 { return compactExponent(value) }
    let decimals = max(0, Int(-Foundation.log10(step).rounded(.down)))
    let text = String(format: "%.\(decimals)f", value)
    return text == "-0" || text.hasPrefix("-0") && Double(text) == 0
      ? String(text.dropFirst()) : text
  }

  static func logLabel(_ value: Double) -> String {
    if value >= 1e-3 && value < 1e5 {
      let decimals = max(0, Int(-Foundation.log10(value).rounded(.down)))
      return String(format: "%.\(decimals)f", value)
    }
    return compactExponent(value)
  }

  /// `1e-05` → `1e-5`, `2.5e+06` → `2.5e6`.
  static func compactExponent(_ value: Double) -> String {
    let text = String(format: "%.3g", value)
    guard let e = text.firstIndex(of: "e") else { return text }
    let mantissa = text[..<e]
    var exponent = String(text[text.index(after: e)...])
    let negative = exponent.hasPrefix("-")
    exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
    return "\(mantissa)e\(negative ? "-" : "")\(exponent.isEmpty ? "0" : exponent)"
  }
}
