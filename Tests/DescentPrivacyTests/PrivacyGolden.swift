import Foundation
import Testing

/// Golden/privacy.json, written by scripts/golden/make_privacy_golden.py from Opacus 1.6
/// (`RDPAccountant.get_privacy_spent`, `compute_rdp`, `get_noise_multiplier`).
struct PrivacyGolden: Decodable {
  struct EpsilonRecord: Decodable {
    /// `[σ, q, steps]` per phase.
    let phases: [[Double]]
    let delta: Double
    let epsilon: Double
    let order: Double
  }
  struct RDPRecord: Decodable {
    let sigma: Double
    let q: Double
    let rdp: [Double]
  }
  struct NoiseRecord: Decodable {
    let epsilon: Double
    let delta: Double
    let q: Double
    let steps: Int
    /// nil: Opacus refused the budget (σ would exceed 10⁶).
    let sigma: Double?
  }
  let reference: String
  let orders: [Double]
  let epsilon: [EpsilonRecord]
  let rdp: [RDPRecord]
  let noise: [NoiseRecord]

  static func load() throws -> PrivacyGolden {
    let url = try #require(
      Bundle.module.url(forResource: "privacy", withExtension: "json", subdirectory: "Golden"))
    return try JSONDecoder().decode(PrivacyGolden.self, from: Data(contentsOf: url))
  }
}

/// |a − b| ≤ tolerance·|b| (b the reference), for finite values.
func relativelyClose(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
  abs(a - b) <= tolerance * abs(b)
}
