/// The noise multiplier σ that keeps `steps` steps at sample rate q within a target (ε, δ):
/// Opacus 1.6's `get_noise_multiplier` (`opacus/accountants/utils.py`) step for step, so it
/// returns the same σ:
///
/// 1. σ_low = 0, σ_high = 10, ε_high = +∞; while ε_high > ε_target: σ_high ← 2σ_high,
///    ε_high ← ε(σ_high); past σ_high = 10⁶ (Opacus' MAX_SIGMA) the budget is refused.
/// 2. While ε_target − ε_high > tolerance (0.01): σ ← (σ_low + σ_high)/2; if ε(σ) < ε_target
///    then σ_high ← σ, ε_high ← ε(σ), else σ_low ← σ.
/// 3. Return σ_high — the returned σ always meets the target (ε(σ) ≤ ε_target), within the
///    tolerance in ε, not in σ.
///
/// ε(σ) is ``RDPAccountant``'s with the one phase (σ, q, steps) at the given orders. Every σ
/// tried is 20·2ᵏ or a midpoint of two earlier ones, so exact in binary; the result equals
/// Opacus' bit for bit unless some ε(σ) lies within rounding (~10⁻¹⁴ relative) of ε_target.
public enum NoiseMultiplierSearch {
  /// Opacus' `MAX_SIGMA`.
  public static let largestNoiseMultiplier = 1e6
  /// The bound on bisection steps (Opacus has none; see the loop).
  static let maximumBisections = 1100
  /// Opacus' default `epsilon_tolerance`.
  public static let defaultTolerance = 0.01

  /// σ for target ε (finite, > 0) and δ ∈ (0, 1) over `steps` ≥ 1 steps at sample rate
  /// q ∈ (0, 1]; throws ``PrivacyError/budgetTooSmall(target:largestNoise:)`` when even
  /// σ > 10⁶ does not reach it.
  public static func noiseMultiplier(
    targetEpsilon: Double, delta: Double, sampleRate: Double, steps: Int,
    orders: [Double] = RDPOrders.opacusDefault, tolerance: Double = defaultTolerance
  ) throws(PrivacyError) -> Double {
    guard PrivacyParameterRange.positive.admits(targetEpsilon) else {
      throw .targetEpsilon(targetEpsilon)
    }
    try validateDelta(delta)
    precondition(tolerance > 0 && tolerance.isFinite, "the tolerance is a positive number")
    // Validates q and steps (σ = 1 is only a placeholder) and the orders.
    _ = try PrivacyPhase(noiseMultiplier: 1, sampleRate: sampleRate, steps: steps)
    try RDPOrders.validate(orders)

    func epsilon(_ sigma: Double) throws(PrivacyError) -> Double {
      let phase = try PrivacyPhase(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps)
      return try RDPAccountant(phases: [phase], orders: orders).epsilon(delta: delta)
    }

    var sigmaLow = 0.0
    var sigmaHigh = 10.0
    var epsilonHigh = Double.infinity
    while epsilonHigh > targetEpsilon {
      sigmaHigh *= 2
      epsilonHigh = try epsilon(sigmaHigh)
      if sigmaHigh > largestNoiseMultiplier {
        throw .budgetTooSmall(target: targetEpsilon, largestNoise: largestNoiseMultiplier)
      }
    }
    // Opacus' loop has no bound: when even σ → 0 keeps ε below ε_target − tolerance (a target
    // such as ε = 1e308, or a sample rate such as 5e-324), it halves σ until it underflows and
    // then loops forever. 1100 halvings reach the smallest subnormal from 2⁴⁵ (past MAX_SIGMA),
    // so the bound changes no result that Opacus returns; σ_high still meets the target.
    for _ in 0..<Self.maximumBisections where targetEpsilon - epsilonHigh > tolerance {
      let sigma = (sigmaLow + sigmaHigh) / 2
      let epsilonMiddle = try epsilon(sigma)
      if epsilonMiddle < targetEpsilon {
        sigmaHigh = sigma
        epsilonHigh = epsilonMiddle
      } else {
        sigmaLow = sigma
      }
    }
    return sigmaHigh
  }
}
