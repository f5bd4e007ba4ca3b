/// A run of training steps with one noise multiplier and one sample rate: the unit an
/// accountant composes (Opacus' history entry `(noise_multiplier, sample_rate, num_steps)`).
public struct PrivacyPhase: Sendable, Equatable {
  /// σ: the noise's standard deviation divided by the clipping norm.
  public let noiseMultiplier: Double
  /// q: the probability that an example is in a step's batch (Poisson sampling).
  public let sampleRate: Double
  /// How many steps the phase takes.
  public let steps: Int

  /// Checks σ (finite, > 0), q (in (0, 1]) and steps (≥ 1), throwing the first one at fault.
  public init(noiseMultiplier: Double, sampleRate: Double, steps: Int) throws(PrivacyError) {
    guard PrivacyParameterRange.positive.admits(noiseMultiplier) else {
      throw .noiseMultiplier(noiseMultiplier)
    }
    guard PrivacyParameterRange.sampleRate.admits(sampleRate) else { throw .sampleRate(sampleRate) }
    guard steps >= 1 else { throw .steps(steps) }
    self.noiseMultiplier = noiseMultiplier
    self.sampleRate = sampleRate
    self.steps = steps
  }

  /// The phase's RDP at each order: `steps` × one step's (RDP composes additively).
  public func rdp(orders: [Double]) -> [Double] {
    orders.map {
      SampledGaussianRDP.rdp(order: $0, sampleRate: sampleRate, noiseMultiplier: noiseMultiplier)
        * Double(steps)
    }
  }
}

/// Checks δ: in (0, 1).
func validateDelta(_ delta: Double) throws(PrivacyError) {
  guard PrivacyParameterRange.delta.admits(delta) else { throw .delta(delta) }
}
