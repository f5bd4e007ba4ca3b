import Foundation

/// Zero-mean noise added to exact (sub)gradients in experiments on stochastic methods: the
/// sub-Gaussian case of the last-iterate analysis of Liu and Zhou, "Revisiting the Last-Iterate
/// Convergence of Stochastic Gradient Methods" (ICLR 2024, arXiv:2312.08531), and the
/// heavy-tailed cases of its extensions. Each sampler draws i.i.d. coordinates from a
/// `RandomNumberGenerator` (pass a seeded `RandomGenerator` for replayable runs).
///
/// | case | coordinate law | variance |
/// | --- | --- | --- |
/// | `.gaussian(scale: σ)` | σ·N(0, 1) (Box–Muller; vectors use both halves of each pair) | σ² |
/// | `.studentT(degreesOfFreedom: ν, scale: σ)` | σ·t_ν (Bailey's polar method, Math. Comp. 1994) | σ²ν/(ν − 2) for ν > 2, infinite for ν ≤ 2 |
/// | `.pareto(shape: α, scale: σ)` | random sign × σ·(U^(−1/α) − 1) (Lomax, symmetrized) | finite only for α > 2 |
///
/// ν and α must exceed 1, so that the noise has a finite mean (zero by symmetry) and the
/// gradients stay unbiased; between 1 and 2 the variance is infinite (heavy tails).
public enum GradientNoise: Sendable, Equatable {
  case gaussian(scale: Double)
  case studentT(degreesOfFreedom: Double, scale: Double)
  case pareto(shape: Double, scale: Double)

  /// Throws a one-line error for a scale not finite and > 0, or ν, α not finite and > 1.
  public func validate() throws {
    switch self {
    case .gaussian(let σ): try Check.positive(σ, "scale", in: "GradientNoise.gaussian")
    case .studentT(let ν, let σ):
      guard ν.isFinite, ν > 1 else {
        throw SolverError.invalidArgument(
          "GradientNoise.studentT: degreesOfFreedom = \(ν) is invalid: must be a finite number > 1 (a finite, zero mean)"
        )
      }
      try Check.positive(σ, "scale", in: "GradientNoise.studentT")
    case .pareto(let α, let σ):
      guard α.isFinite, α > 1 else {
        throw SolverError.invalidArgument(
          "GradientNoise.pareto: shape = \(α) is invalid: must be a finite number > 1 (a finite, zero mean)"
        )
      }
      try Check.positive(σ, "scale", in: "GradientNoise.pareto")
    }
  }

  /// The tail index: ∞ for Gaussian noise, ν for Student-t, α for Pareto (moments of order
  /// below it are finite).
  public var tailIndex: Double {
    switch self {
    case .gaussian: .infinity
    case .studentT(let ν, _): ν
    case .pareto(let α, _): α
    }
  }

  /// One draw.
  @inlinable
  public func sample<G: RandomNumberGenerator>(using generator: inout G) -> Double {
    switch self {
    case .gaussian(let σ): return σ * Self.standardNormal(&generator)
    case .studentT(let ν, let σ):
      while true {
        let u = 2 * Self.unit(&generator) - 1
        let v = 2 * Self.unit(&generator) - 1
        let w = u * u + v * v
        if w > 0, w <= 1 { return σ * u * (ν * (pow(w, -2 / ν) - 1) / w).squareRoot() }
      }
    case .pareto(let α, let σ):
      let u = 1 - Self.unit(&generator)  // (0, 1]
      let magnitude = σ * (pow(u, -1 / α) - 1)
      return generator.next() & 1 == 0 ? magnitude : -magnitude
    }
  }

  /// `count` independent draws (Gaussian ones in Box–Muller pairs, both halves used).
  @inlinable
  public func sample<G: RandomNumberGenerator>(_ count: Int, using generator: inout G) -> [Double] {
    guard case .gaussian(let σ) = self else {
      return (0..<count).map { _ in sample(using: &generator) }
    }
    var values = [Double](repeating: 0, count: count)
    var i = 0
    while i < count {
      let u = 1 - Self.unit(&generator)
      let angle = 2 * Double.pi * Self.unit(&generator)
      let radius = σ * (-2 * log(u)).squareRoot()
      values[i] = radius * cos(angle)
      if i + 1 < count { values[i + 1] = radius * sin(angle) }
      i += 2
    }
    return values
  }

  /// A uniform draw in [0, 1) with 53 random bits.
  @inlinable @usableFromInline
  static func unit<G: RandomNumberGenerator>(_ generator: inout G) -> Double {
    Double(generator.next() >> 11) * 0x1p-53
  }

  @inlinable @usableFromInline
  static func standardNormal<G: RandomNumberGenerator>(_ generator: inout G) -> Double {
    let u = 1 - Self.unit(&generator)
    let v = Self.unit(&generator)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}
