import Foundation

/// The Rényi differential privacy of one step of the sampled Gaussian mechanism: each example
/// joins the batch independently with probability q (Poisson sampling), the batch's summed
/// clipped gradients get N(0, σ²C²) noise. At order α its RDP is ε(α) = log(A_α)/(α − 1) with
///
///     A_α = E_{z∼μ₀}[(μ(z)/μ₀(z))^α],  μ₀ = N(0, σ²),  μ = (1 − q)·μ₀ + q·N(1, σ²)
///
/// (Mironov, Talwar, Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism",
/// arXiv 1908.10530, 2019, sections 3.3 and 3.4). log A_α is computed as Opacus 1.6 does
/// (`opacus/accountants/analysis/rdp.py`, after the TensorFlow Privacy accountant), all in log
/// space (``LogSpace``):
///
/// * integer α — the finite binomial sum A_α = Σᵢ₌₀^α C(α, i) (1 − q)^(α−i) qⁱ e^((i² − i)/(2σ²));
/// * fractional α — the two infinite series of section 3.4, split at z₀ = σ² log(1/q − 1) + ½,
///   A_α = Σᵢ C(α, i) [ qⁱ(1 − q)^(α−i) e^((i²−i)/(2σ²)) · ½ erfc((i − z₀)/(√2σ))
///                     + q^(α−i)(1 − q)ⁱ e^(((α−i)²−(α−i))/(2σ²)) · ½ erfc((z₀ − (α−i))/(√2σ)) ],
///   whose terms change sign with C(α, i) for i > α (a negative coefficient subtracts in log
///   space), summed until both terms of an index are below e⁻³⁰ (Opacus' stopping rule).
///
/// Edge cases as in Opacus' `_compute_rdp`: q = 0 gives 0 (nothing is released), σ = 0 gives
/// +∞ (no noise), q = 1 gives the plain Gaussian mechanism's α/(2σ²) exactly. Deviations, where
/// Opacus raises an exception instead: a σ so small (≲ 10⁻¹⁵⁴) that a term's exponent
/// (i² − i)/(2σ²) overflows gives +∞; a log-space subtraction that rounding makes negative gives
/// NaN, which the conversion skips (``LogSpace/subtract(_:_:)``).
///
/// Binomial coefficients use the multiplication formula Πₖ (α − i + k)/k for i < 20, as scipy's
/// `binom` (which Opacus calls) does; above, scipy switches to the Beta function and this code to
/// the recurrence C(α, i) = C(α, i − 1)(α − i + 1)/i (O(1) per term; its rounding grows with
/// i, on terms already many orders of magnitude below the leading ones). The per-order RDP agrees
/// with Opacus to 5·10⁻¹⁰ relative at worst on the golden grid, ε to 6·10⁻¹² (docs/privacy.md).
public enum SampledGaussianRDP {
  /// ε(α) of one step with sample rate `sampleRate` (q ∈ [0, 1]) and noise multiplier
  /// `noiseMultiplier` (σ ≥ 0), at `order` (α > 1). Programmer errors (values outside these
  /// ranges) stop; ``RDPAccountant`` validates what users give.
  public static func rdp(order: Double, sampleRate q: Double, noiseMultiplier sigma: Double)
    -> Double
  {
    precondition(order > 1 && q >= 0 && q <= 1 && sigma >= 0, "validated by the caller")
    if q == 0 { return 0 }
    if sigma == 0 { return .infinity }
    if q == 1 { return order / (2 * (sigma * sigma)) }
    if order.isInfinite { return .infinity }
    return logA(order: order, sampleRate: q, noiseMultiplier: sigma) / (order - 1)
  }

  /// log A_α for 0 < q < 1, σ > 0: the integer sum when α is a whole number, else the series.
  static func logA(order: Double, sampleRate q: Double, noiseMultiplier sigma: Double) -> Double {
    if order == order.rounded(.towardZero), order < 1e6 {
      return logAIntegerOrder(Int(order), q: q, sigma: sigma)
    }
    return logAFractionalOrder(order, q: q, sigma: sigma)
  }

  static func logAIntegerOrder(_ alpha: Int, q: Double, sigma: Double) -> Double {
    var logA = -Double.infinity
    let twoSigmaSquared = 2 * (sigma * sigma)
    for i in 0...alpha {
      let logCoefficient =
        log(binomial(Double(alpha), i)) + Double(i) * log(q) + Double(alpha - i) * log(1 - q)
      let term = logCoefficient + Double(i * i - i) / twoSigmaSquared
      // σ so small that (i² − i)/(2σ²) overflows (or σ² underflows to 0): A_α is infinite.
      if term.isNaN || term == .infinity { return .infinity }
      logA = LogSpace.add(logA, term)
    }
    return logA
  }

  static func logAFractionalOrder(_ alpha: Double, q: Double, sigma: Double) -> Double {
    var logA0 = -Double.infinity
    var logA1 = -Double.infinity
    let sigmaSquared = sigma * sigma
    let z0 = sigmaSquared * log(1 / q - 1) + 0.5
    let erfcScale = 2.0.squareRoot() * sigma
    var i = 0
    var coefficient = 1.0
    while true {
      // The series can run to ~10⁴ terms at small α: past i = 20 the coefficient follows from
      // the previous one, C(α, i) = C(α, i − 1)·(α − i + 1)/i, in O(1).
      coefficient = i < 20 ? binomial(alpha, i) : coefficient * (alpha - Double(i - 1)) / Double(i)
      let logCoefficient = log(abs(coefficient))
      let x = Double(i)
      let j = alpha - x
      let logT0 = logCoefficient + x * log(q) + j * log(1 - q)
      let logT1 = logCoefficient + j * log(q) + x * log(1 - q)
      let logE0 = log(0.5) + LogSpace.logErfc((x - z0) / erfcScale)
      let logE1 = log(0.5) + LogSpace.logErfc((z0 - j) / erfcScale)
      let logS0 = logT0 + (x * x - x) / (2 * sigmaSquared) + logE0
      let logS1 = logT1 + (j * j - j) / (2 * sigmaSquared) + logE1
      // As for whole orders: overflowing exponents (tiny σ) mean A_α = ∞; this also keeps NaN
      // out of the stopping test below.
      if logS0.isNaN || logS1.isNaN || logS0 == .infinity || logS1 == .infinity { return .infinity }
      if coefficient > 0 {
        logA0 = LogSpace.add(logA0, logS0)
        logA1 = LogSpace.add(logA1, logS1)
      } else {
        logA0 = LogSpace.subtract(logA0, logS0)
        logA1 = LogSpace.subtract(logA1, logS1)
      }
      i += 1
      if max(logS0, logS1) < -30 { break }
    }
    return LogSpace.add(logA0, logA1)
  }

  /// C(n, k) for real n and whole k ≥ 0 by the multiplication formula Πₘ₌₁ᵏ (n − k + m)/m,
  /// with k reduced to n − k for whole n (fewer factors) and the numerator rescaled past 10⁵⁰
  /// (as scipy's `binom` does).
  static func binomial(_ n: Double, _ k: Int) -> Double {
    var k = Double(k)
    if n == n.rounded(.down), k > n / 2, n > 0 { k = n - k }
    var numerator = 1.0
    var denominator = 1.0
    var m = 1.0
    while m <= k {
      numerator *= m + n - k
      denominator *= m
      if abs(numerator) > 1e50 {
        numerator /= denominator
        denominator = 1
      }
      m += 1
    }
    return numerator / denominator
  }
}
