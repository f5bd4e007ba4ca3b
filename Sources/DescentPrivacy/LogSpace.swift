import Foundation

/// Arithmetic on numbers held as their natural logarithms, for the sampled Gaussian mechanism's
/// series (``SampledGaussianRDP``), whose terms span hundreds of orders of magnitude. The
/// operations are those of Opacus 1.6 `opacus/accountants/analysis/rdp.py` (`_log_add`,
/// `_log_sub`, `_log_erfc`), written from their definitions, so the series add up in the same way.
enum LogSpace {
  /// log(eˣ + eʸ) = max + log1p(exp(min − max)); −∞ stands for 0.
  static func add(_ x: Double, _ y: Double) -> Double {
    let a = min(x, y)
    let b = max(x, y)
    if a == -.infinity { return b }
    return log1p(exp(a - b)) + b
  }

  /// log(eˣ − eʸ) for x ≥ y = log(expm1(x − y)) + y; −∞ when x = y. Opacus returns x when
  /// `expm1` overflows; `expm1` here gives +∞ there, and the same x is returned. For x < y (a
  /// negative difference, which Opacus refuses with an exception) the result is NaN: the order
  /// it belongs to is then skipped by ``RDPConversion``.
  static func subtract(_ x: Double, _ y: Double) -> Double {
    if x < y { return .nan }
    if y == -.infinity { return x }
    if x == y { return -.infinity }
    let difference = expm1(x - y)
    if difference.isInfinite { return x }
    return log(difference) + y
  }

  /// log(erfc(x)), finite for every finite x. Below 20, `erfc` itself (relative error of a few
  /// ulps, no underflow: erfc(20) ≈ 5·10⁻¹⁷⁶); from 20 up, where `erfc` would underflow, the
  /// asymptotic series erfc(x) = e^(−x²)/(x√π) · Σₙ (−1)ⁿ (2n−1)!!/(2x²)ⁿ, summed until a term
  /// is below 10⁻¹⁷ (at x ≥ 20 its terms fall by at least 2n/800 each, so it is exact to
  /// rounding). Opacus computes the same function as log 2 + scipy's `log_ndtr(−x√2)`.
  static func logErfc(_ x: Double) -> Double {
    if x < 20 { return log(erfc(x)) }
    let inverseTwoXSquared = 1 / (2 * x * x)
    var term = 1.0
    var sum = 1.0
    var n = 1.0
    while abs(term) > 1e-17 {
      term *= -(2 * n - 1) * inverseTwoXSquared
      sum += term
      n += 1
    }
    return -x * x - log(x) - 0.5 * log(Double.pi) + log(sum)
  }
}
